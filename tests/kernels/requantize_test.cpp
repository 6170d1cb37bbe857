// The vectorized requantization against the scalar one every kernel epilogue uses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/requantize.h"

namespace ttq::kernels {
namespace {

TEST(Requantize, ScalarRoundsHalfToEvenAndClamps) {
  EXPECT_EQ(requantize_u8(0.5f, 1.f), 0);
  EXPECT_EQ(requantize_u8(1.5f, 1.f), 2);
  EXPECT_EQ(requantize_u8(2.5f, 1.f), 2);
  EXPECT_EQ(requantize_u8(2.5000002f, 1.f), 3);
  EXPECT_EQ(requantize_u8(254.5f, 1.f), 254);
  EXPECT_EQ(requantize_u8(1e9f, 1.f), 255);
  EXPECT_EQ(requantize_u8(-3.f, 1.f), 0);
  EXPECT_EQ(requantize_u8(std::numeric_limits<float>::quiet_NaN(), 1.f), 0);
  EXPECT_EQ(requantize_u8(10.f, 0.5f), 5);
}

TEST(Requantize, RowEqualsScalarForEveryLengthAndValue) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> wide(-40.f, 300.f);
  std::vector<float> y(203);
  for (size_t i = 0; i < y.size(); ++i) {
    // Ties (k + 0.5), values past both ends, and plain random ones.
    y[i] = i % 3 == 0 ? static_cast<float>(static_cast<int>(i) - 20) + 0.5f : wide(rng);
  }
  y[7] = std::numeric_limits<float>::quiet_NaN();
  y[8] = std::numeric_limits<float>::infinity();
  y[9] = -std::numeric_limits<float>::infinity();
  for (float inv : {1.f, 0.37f, 3.f}) {
    for (size_t n : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(203)}) {
      std::vector<uint8_t> fast(n + 1, 77), ref(n + 1, 77);
      requantize_u8_row(y.data(), n, inv, fast.data());
      for (size_t i = 0; i < n; ++i) ref[i] = requantize_u8(y[i], inv);
      ASSERT_EQ(fast, ref) << "n=" << n << " inv=" << inv;  // the byte past n untouched too
    }
  }
}

}  // namespace
}  // namespace ttq::kernels
