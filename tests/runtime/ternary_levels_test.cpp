// From a ternary layer's {-wn, 0, +wp} to the kernels' integer weights: the choice of the
// unit, the error diffusion between two levels, and the bias correction.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/error.h"
#include "kernels/gemm_u8s8.h"
#include "runtime/ternary_levels.h"

namespace ttq {
namespace {

using runtime::TernaryLevels;

std::vector<int> rows_in_order(int K) {
  std::vector<int> order(K);
  for (int k = 0; k < K; ++k) order[k] = k;
  return order;
}

// Mean squared error per weight of the smaller sign, in units of the larger scale, that
// the levels promise (the criterion ternary_levels minimises).
double promised_error(const TernaryLevels& lv) {
  const double top = std::max(lv.p, lv.n), t = std::min(lv.p, lv.n), f = t - std::floor(t);
  return t < 1.0 ? (1.0 - t) * (1.0 - t) / (top * top) : f * (1.0 - f) / (top * top);
}

TEST(TernaryLevels, TheLargerScaleIsAWholeNumberOfUnitsAndTheSmallerItsRatio) {
  const auto exact = runtime::ternary_levels(2.f, 1.f, 32, "w");
  EXPECT_DOUBLE_EQ(exact.p, 32);  // an exact fraction: the finest unit that keeps it
  EXPECT_DOUBLE_EQ(exact.n, 16);
  EXPECT_FLOAT_EQ(exact.unit, 2.f / 32);
  const auto k = runtime::ternary_levels(0.3f, 0.9f, 32, "w");
  EXPECT_DOUBLE_EQ(k.n, 30);
  EXPECT_NEAR(k.p, 10, 1e-5);
  for (int top : {kernels::kCommonMaxWeight, kernels::kFullMaxWeight}) {
    const auto s = runtime::ternary_levels(1.f, 1e-6f, top, "w");
    EXPECT_DOUBLE_EQ(s.p, top);
    EXPECT_LT(s.n, 1.0);  // decodes to 1: the sign survives (DecodesToTheTwoNearestLevels)
  }
  EXPECT_THROW(runtime::ternary_levels(0.f, 1.f, 32, "w"), FormatError);
  EXPECT_THROW(runtime::ternary_levels(1.f, std::nanf(""), 32, "w"), FormatError);
  // Over a sweep of ratios: within the limit, the larger scale exact, the ratio kept, and
  // never a larger promised error than pinning the larger level at the limit.
  for (int top : {kernels::kCommonMaxWeight, kernels::kFullMaxWeight}) {
    for (int i = 1; i <= 1000; ++i) {
      const float wp = 0.37f, wn = wp * (0.05f + 1.9f * static_cast<float>(i) / 1000.f);
      const auto lv = runtime::ternary_levels(wp, wn, top, "w");
      const double big = std::max(lv.p, lv.n);
      ASSERT_EQ(big, std::round(big));
      ASSERT_GE(big, 1);
      ASSERT_LE(big, top);
      EXPECT_FLOAT_EQ(static_cast<float>(big * lv.unit), std::max(wp, wn));
      EXPECT_NEAR(lv.n / lv.p, static_cast<double>(wn) / wp, 1e-6);
      TernaryLevels pinned = lv;
      pinned.p = wp >= wn ? top : top * static_cast<double>(wp) / wn;
      pinned.n = wp >= wn ? top * static_cast<double>(wn) / wp : top;
      EXPECT_LE(promised_error(lv), promised_error(pinned) + 1e-15) << "wn/wp " << wn / wp << " top " << top;
    }
  }
}

TEST(TernaryLevels, DecodesToTheTwoNearestLevelsAveragingTheTarget) {
  TernaryLevels lv;
  lv.p = 32;
  lv.n = 31.44;  // wn/wp = 0.9825: 31 or 32 per weight
  const int K = 500, N = 3;
  std::mt19937 rng(7);
  std::vector<int8_t> codes(K * N);
  for (auto& c : codes) c = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  std::vector<int8_t> b = codes;
  runtime::decode_ternary_levels(b.data(), K, N, lv, rows_in_order(K));
  for (int o = 0; o < N; ++o) {
    double carry = 0;
    int minus = 0;
    for (int k = 0; k < K; ++k) {
      const int c = codes[k * N + o], w = b[k * N + o];
      if (c >= 0) {
        ASSERT_EQ(w, c > 0 ? 32 : 0);
      } else {
        ASSERT_TRUE(w == -31 || w == -32) << w;
        carry += lv.n + w;
        ASSERT_LE(std::fabs(carry), 0.5 + 1e-9) << "column " << o << " row " << k;  // every prefix
        ++minus;
      }
    }
    ASSERT_GT(minus, 100);
  }
  // A target below 1 keeps its sign: every -1 weight decodes to -1.
  lv.n = 0.2;
  b = codes;
  runtime::decode_ternary_levels(b.data(), K, N, lv, rows_in_order(K));
  for (int i = 0; i < K * N; ++i) ASSERT_EQ(b[i], codes[i] < 0 ? -1 : codes[i] > 0 ? 32 : 0);
}

// Why the levels are diffused rather than rounded once per layer: post-ReLU inputs share
// a common factor across k (an image's overall activation), so one rounded level misses by
// the same fraction of every input and its error grows with the whole sum; diffused
// levels' errors alternate in sign and mostly cancel. Compared on the output error left
// after the bias correction takes out each one's mean.
TEST(TernaryLevels, DiffusedLevelsMissTheExactSumByLessThanOneRoundedLevel) {
  const float wp = 1.f, wn = 0.9825f;
  const auto lv = runtime::ternary_levels(wp, wn, kernels::kCommonMaxWeight, "w");
  ASSERT_GT(std::fabs(lv.n - std::round(lv.n)), 0.2);  // the premise: the ratio is no fraction of small terms
  const int K = 576, N = 16, images = 200;
  std::mt19937 rng(3);
  std::vector<int8_t> codes(K * N);
  for (auto& c : codes) c = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  std::vector<int8_t> diffused = codes, rounded = codes;
  runtime::decode_ternary_levels(diffused.data(), K, N, lv, rows_in_order(K));
  for (auto& w : rounded) w = static_cast<int8_t>(w > 0 ? std::lround(lv.p) : w < 0 ? -std::lround(lv.n) : 0);
  // Inputs: a per-image factor times a per-input mean, plus independent noise.
  std::vector<double> mean(K);
  for (auto& m : mean) m = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  std::vector<std::vector<double>> x(images, std::vector<double>(K));
  for (auto& img : x) {
    const double factor = std::uniform_real_distribution<double>(0.2, 3.0)(rng);
    for (int k = 0; k < K; ++k) img[k] = std::max(0.0, factor * mean[k] + std::normal_distribution<double>(0, 0.3)(rng));
  }
  // Root mean square over images and columns of the error around its mean per column.
  const auto spread = [&](const std::vector<int8_t>& b) {
    double total = 0;
    for (int o = 0; o < N; ++o) {
      std::vector<double> err(images);
      for (int i = 0; i < images; ++i) {
        for (int k = 0; k < K; ++k) {
          const int c = codes[k * N + o];
          const double exact = c > 0 ? wp : c < 0 ? -wn : 0.0;
          err[i] += (exact - b[k * N + o] * static_cast<double>(lv.unit)) * x[i][k];
        }
      }
      double m = 0;
      for (double e : err) m += e / images;
      for (double e : err) total += (e - m) * (e - m);
    }
    return std::sqrt(total / (images * N));
  };
  const double d = spread(diffused), r = spread(rounded);
  EXPECT_LT(d, 0.2 * r) << "diffused " << d << ", rounded " << r;
}

TEST(TernaryLevels, BiasCorrectionAddsTheExpectedShiftTimesTheScale) {
  // K = 3 rows x N = 2 columns: column 0 = {+4, -3, 0}, column 1 = {-2, -3, +4}.
  const int8_t b[6] = {4, -2, -3, -3, 0, 4};
  TernaryLevels lv;
  lv.wp = 1.f;
  lv.wn = 0.75f;
  lv.unit = 0.25f;  // +4 is exact; -3 counts 0.75 (exact), -2 counts 0.5 (0.25 too little)
  const std::vector<double> k_mean = {1.0, 2.0, 4.0};
  const float scale[2] = {0.5f, 2.f};
  float bias[2] = {10.f, -1.f};
  runtime::add_level_bias_correction(b, 3, 2, lv, k_mean, scale, bias);
  EXPECT_FLOAT_EQ(bias[0], 10.f);
  EXPECT_FLOAT_EQ(bias[1], -1.f + 2.f * static_cast<float>(-0.25 * 1.0));
  // 3 taps, padding 1, stride 1 over 4 pixels: the outer taps miss one output pixel each.
  EXPECT_DOUBLE_EQ(runtime::tap_inside_share(0, 4, 4, 1, 1), 0.75);
  EXPECT_DOUBLE_EQ(runtime::tap_inside_share(1, 4, 4, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(runtime::tap_inside_share(2, 4, 4, 1, 1), 0.75);
  // stride 2 over 5 pixels, padding 1 -> 3 outputs reading -1, 1, 3 (tap 0) and 1, 3, 5 (tap 2).
  EXPECT_DOUBLE_EQ(runtime::tap_inside_share(0, 5, 3, 2, 1), 2.0 / 3);
  EXPECT_DOUBLE_EQ(runtime::tap_inside_share(2, 5, 3, 2, 1), 2.0 / 3);
}

}  // namespace
}  // namespace ttq
