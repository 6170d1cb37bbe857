// Progress of long work: a live line on a terminal, plain log lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ttq::train {

class Progress {
 public:
  // total_steps: steps in this phase; label: e.g. "epoch 3/10".
  Progress(std::string label, int64_t total_steps, FILE* out = stderr);
  // Reports after a step; prints at most every 0.5 s (TTY) or every ~10 % (log).
  void update(int64_t step, double loss, double accuracy, int64_t items_done);
  // Ends the live line.
  void finish();
  double seconds() const;

 private:
  std::string label_;
  int64_t total_;
  FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
  int64_t next_log_step_ = 0;
  bool printed_live_ = false;
};

}  // namespace ttq::train
