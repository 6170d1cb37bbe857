#include "report/logit_comparison.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ttq::report {
namespace {

TEST(LogitComparison, OffsetsAndScalesAreNotErrorsOfTheScaleFreeMeasure) {
  // Image 0: got = 2 * want + 5 (same class, no scale-free error, an RMS error of the
  // centred difference); image 1: a different top class.
  const float want[6] = {1, 2, 3, 3, 1, 0};
  const float got[6] = {7, 9, 11, 0, 1, 3};
  LogitComparison c(3);
  c.add(got, want, 2);
  EXPECT_EQ(c.images(), 2);
  EXPECT_DOUBLE_EQ(c.agreement(), 0.5);
  // Centred: image 0 want {-1, 0, 1}, got {-2, 0, 2}: difference {-1, 0, 1}.
  // Image 1 want {5/3, -1/3, -4/3}, got {-4/3, -1/3, 5/3}: difference {-3, 0, 3}.
  EXPECT_NEAR(c.rms_error(), std::sqrt((1 + 1 + 9 + 9) / 6.0), 1e-12);
  // Image 1's best factor: <got, want> / <want, want> = (-20/9 + 1/9 - 20/9) / (42/9) = -39/42.
  const double f = -39.0 / 42.0;
  const double w1[3] = {5 / 3.0, -1 / 3.0, -4 / 3.0}, g1[3] = {-4 / 3.0, -1 / 3.0, 5 / 3.0};
  double e = 0;
  for (int k = 0; k < 3; ++k) e += (g1[k] - f * w1[k]) * (g1[k] - f * w1[k]);
  EXPECT_NEAR(c.rms_error_scale_free(), std::sqrt(e / 6.0), 1e-12);
  LogitComparison same(3);
  same.add(want, want, 2);
  EXPECT_DOUBLE_EQ(same.agreement(), 1.0);
  EXPECT_DOUBLE_EQ(same.rms_error(), 0.0);
  EXPECT_DOUBLE_EQ(same.rms_error_scale_free(), 0.0);
}

}  // namespace
}  // namespace ttq::report
