#include "report/logit_comparison.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace ttq::report {

LogitComparison::LogitComparison(int classes) : classes_(classes) { assert(classes > 0); }

void LogitComparison::add(const float* got, const float* want, int images) {
  std::vector<double> g(classes_), w(classes_);
  for (int i = 0; i < images; ++i, got += classes_, want += classes_) {
    same_ += std::max_element(got, got + classes_) - got == std::max_element(want, want + classes_) - want;
    double mg = 0, mw = 0;
    for (int c = 0; c < classes_; ++c) {
      mg += got[c];
      mw += want[c];
    }
    mg /= classes_;
    mw /= classes_;
    double gw = 0, ww = 0;
    for (int c = 0; c < classes_; ++c) {
      g[c] = got[c] - mg;
      w[c] = want[c] - mw;
      gw += g[c] * w[c];
      ww += w[c] * w[c];
    }
    const double factor = ww > 0 ? gw / ww : 0.0;
    for (int c = 0; c < classes_; ++c) {
      squared_ += (g[c] - w[c]) * (g[c] - w[c]);
      squared_scale_free_ += (g[c] - factor * w[c]) * (g[c] - factor * w[c]);
    }
  }
  images_ += images;
}

double LogitComparison::agreement() const { return images_ ? static_cast<double>(same_) / images_ : 0.0; }

double LogitComparison::rms_error() const { return images_ ? std::sqrt(squared_ / (images_ * classes_)) : 0.0; }

double LogitComparison::rms_error_scale_free() const {
  return images_ ? std::sqrt(squared_scale_free_ / (images_ * classes_)) : 0.0;
}

}  // namespace ttq::report
