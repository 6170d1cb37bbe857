#include "train/trainer/progress.h"

#include <unistd.h>

#include <algorithm>

namespace ttq::train {

Progress::Progress(std::string label, int64_t total_steps, FILE* out)
    : label_(std::move(label)), total_(std::max<int64_t>(1, total_steps)), out_(out), tty_(::isatty(::fileno(out)) != 0) {
  start_ = last_print_ = std::chrono::steady_clock::now();
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t step, double loss, double accuracy, int64_t items_done) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool last = step >= total_;
  if (tty_) {
    if (!last && std::chrono::duration<double>(now - last_print_).count() < 0.5) return;
  } else {
    if (!last && step < next_log_step_) return;
    next_log_step_ = step + std::max<int64_t>(1, total_ / 10);
  }
  last_print_ = now;
  const double rate = elapsed > 0 ? items_done / elapsed : 0.0;
  const double eta = step > 0 ? elapsed * double(total_ - step) / double(step) : 0.0;
  std::fprintf(out_, "%s%s step %lld/%lld loss %.4f acc %.2f%% %.0f img/s ETA %.0fs%s", tty_ ? "\r\033[K" : "",
               label_.c_str(), (long long)step, (long long)total_, loss, 100.0 * accuracy, rate, eta, tty_ ? "" : "\n");
  std::fflush(out_);
  printed_live_ = tty_;
}

void Progress::finish() {
  if (printed_live_) std::fprintf(out_, "\n");
  printed_live_ = false;
}

}  // namespace ttq::train
