// How close one model's logits are to a reference's (the runtime's int8 path against its
// fp32 reference path, `ttq run --compare-reference`), image by image. Agreement of the
// top class is what users see, but on 10,000 images it moves by the few images near a
// tie; the logits' distance is a steadier measure of a change to the arithmetic. Each
// image's mean is taken out (softmax ignores it), and the scale-free error also takes out
// the best factor on the reference (a common scale changes no prediction).
#pragma once

#include <cstdint>

namespace ttq::report {

class LogitComparison {
 public:
  explicit LogitComparison(int classes);
  // `images` rows of `classes` logits each, row-major.
  void add(const float* got, const float* want, int images);

  int64_t images() const { return images_; }
  double agreement() const;             // share of images whose largest logit is the same class
  double rms_error() const;             // RMS over all logits of got - want, per-image means removed
  double rms_error_scale_free() const;  // the same with want times its least-squares factor per image

 private:
  int classes_;
  int64_t images_ = 0, same_ = 0;
  double squared_ = 0, squared_scale_free_ = 0;
};

}  // namespace ttq::report
