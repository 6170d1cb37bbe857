// Eq. 1 on hand-made weights: thresholds, ties, scale placement, sparsity targets.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "common/error.h"
#include "train/quant/ttq_function.h"

namespace ttq::train {
namespace {

torch::Tensor vec(std::vector<float> v) { return torch::tensor(v, torch::kFloat32); }

TernaryThreshold mode_t(double t) { return {ThresholdMode::t, t, 0.0}; }
TernaryThreshold mode_sparsity(double r) { return {ThresholdMode::sparsity, 0.0, r}; }

// max|w| = 2, so w̃ = [0.5, -1, 0.02, -0.04, 0.05, 0.9, -0.05, 0] (halving is exact in float).
torch::Tensor hand_weight() { return vec({1.0f, -2.0f, 0.04f, -0.08f, 0.1f, 1.8f, -0.1f, 0.0f}); }

TEST(TtqForward, ModeTPlacesPositiveAndNegativeScales) {
  const auto wp = vec({2.0f}), wn = vec({3.0f});
  const auto out = ternarize(hand_weight(), wp, wn, mode_t(0.05));
  // |w̃| = 0.05 exactly equals Δ: a tie, so zero.
  EXPECT_TRUE(torch::equal(out, vec({2, -3, 0, 0, 0, 2, 0, 0}))) << out;
}

TEST(TtqForward, ThresholdIsRelativeToMaxAbs) {
  const auto wp = vec({1.5f}), wn = vec({0.5f});
  // Scaling the latent weight does not change the pattern (Δ = t·max|w̃|).
  const auto a = ternarize(hand_weight(), wp, wn, mode_t(0.3));
  const auto b = ternarize(hand_weight() * 64.0f, wp, wn, mode_t(0.3));
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(a, vec({1.5f, -0.5f, 0, 0, 0, 1.5f, 0, 0}))) << a;
  const auto m = ternary_masks(hand_weight() * 64.0f, mode_t(0.3));
  EXPECT_FLOAT_EQ(m.delta.item<float>(), 0.3f);
}

TEST(TtqForward, TZeroKeepsOnlyExactZerosAtZero) {
  const auto out = ternarize(hand_weight(), vec({1}), vec({1}), mode_t(0.0));
  EXPECT_TRUE(torch::equal(out, vec({1, -1, 1, -1, 1, 1, -1, 0}))) << out;
}

TEST(TtqForward, AllZeroWeightIsAllZeroNotNaN) {
  const auto out = ternarize(torch::zeros({3, 4}), vec({1}), vec({1}), mode_t(0.05));
  EXPECT_TRUE(torch::equal(out, torch::zeros({3, 4})));
  const auto s = ternarize(torch::zeros({3, 4}), vec({1}), vec({1}), mode_sparsity(0.5));
  EXPECT_TRUE(torch::equal(s, torch::zeros({3, 4})));
}

TEST(TtqForward, OutputKeepsTheWeightShape) {
  const auto w = torch::randn({4, 3, 3, 3});
  EXPECT_EQ(ternarize(w, vec({1}), vec({1}), mode_t(0.05)).sizes(), w.sizes());
  EXPECT_EQ(ternarize(w, vec({1}), vec({1}), mode_sparsity(0.4)).sizes(), w.sizes());
}

// |w̃| sorted: 0.1 0.1 0.2 0.2 0.3 0.4 0.5 1.0 (N = 8).
torch::Tensor tie_weight() { return vec({0.3f, -0.1f, 0.2f, -0.4f, 1.0f, 0.1f, -0.2f, 0.5f}); }

TEST(TtqForward, SparsityModeTakesTheKthSmallest) {
  // r = 0.25: k = 2, Δ = 0.1; exactly the two 0.1s are zero.
  auto m = ternary_masks(tie_weight(), mode_sparsity(0.25));
  EXPECT_FLOAT_EQ(m.delta.item<float>(), 0.1f);
  EXPECT_TRUE(torch::equal(ternary_codes(m), torch::tensor({1, 0, 1, -1, 1, 0, -1, 1}, torch::kInt8)));
  // r = 0.3: k = floor(2.4 + 0.5) = 2 as well.
  EXPECT_TRUE(torch::equal(ternary_codes(ternary_masks(tie_weight(), mode_sparsity(0.3))), ternary_codes(m)));
}

TEST(TtqForward, SparsityTiesAtDeltaGoToZero) {
  // r = 0.3125: k = 3, Δ = 0.2 (the 3rd smallest); its tie (the other 0.2) is zero too.
  const auto m = ternary_masks(tie_weight(), mode_sparsity(0.3125));
  EXPECT_FLOAT_EQ(m.delta.item<float>(), 0.2f);
  EXPECT_TRUE(torch::equal(ternary_codes(m), torch::tensor({1, 0, 0, -1, 1, 0, 0, 1}, torch::kInt8)));
}

TEST(TtqForward, SparsityZeroAndOneAreTheExtremes) {
  // r small enough that k = 0: nothing but exact zeros is zero.
  const auto none = ternarize(tie_weight(), vec({2}), vec({3}), mode_sparsity(0.06));
  EXPECT_TRUE(torch::equal(none, vec({2, -3, 2, -3, 2, 2, -3, 2}))) << none;
  const auto exact_zero = ternary_codes(ternary_masks(hand_weight(), mode_sparsity(0.0)));
  EXPECT_TRUE(torch::equal(exact_zero, torch::tensor({1, -1, 1, -1, 1, 1, -1, 0}, torch::kInt8)));
  // r = 1: every weight is zero.
  EXPECT_TRUE(torch::equal(ternarize(tie_weight(), vec({2}), vec({3}), mode_sparsity(1.0)), torch::zeros({8})));
}

int64_t count_zeros(const TernaryMasks& m) { return m.pos.numel() - m.pos.sum().item<int64_t>() - m.neg.sum().item<int64_t>(); }

TEST(TtqForward, SparsityHitsTargetWithinOneWeight) {
  torch::manual_seed(7);
  for (int64_t n : {1, 2, 7, 100, 1000, 4099}) {
    const auto w = torch::randn({n});  // continuous: no ties, so exactly k zeros
    for (int i = 0; i <= 20; ++i) {
      const double r = i / 20.0;
      const int64_t k = static_cast<int64_t>(std::floor(r * n + 0.5));
      const int64_t zeros = count_zeros(ternary_masks(w, mode_sparsity(r)));
      EXPECT_EQ(zeros, k) << "n=" << n << " r=" << r;
      EXPECT_LE(std::abs(double(zeros) - r * n), 0.5 + 1e-9) << "n=" << n << " r=" << r;
    }
  }
}

TEST(TtqForward, SparsityWithTiesZeroesWholeTieGroups) {
  torch::manual_seed(11);
  for (int64_t n : {10, 333, 2048}) {
    // Integer levels: many exact ties (and exact zeros).
    const auto w = torch::randint(-5, 6, {n}).to(torch::kFloat32);
    const auto abs_norm = (w / w.abs().max()).abs();
    for (int i = 0; i <= 10; ++i) {
      const double r = i / 10.0;
      const int64_t k = static_cast<int64_t>(std::floor(r * n + 0.5));
      const auto m = ternary_masks(w, mode_sparsity(r));
      const int64_t zeros = count_zeros(m);
      // Zero set = {|w̃| <= Δ}: at least k; strictly below Δ fewer than k (Δ is the k-th smallest).
      EXPECT_EQ(zeros, (abs_norm <= m.delta).sum().item<int64_t>());
      EXPECT_GE(zeros, k);
      if (k > 0) {
        EXPECT_LT((abs_norm < m.delta).sum().item<int64_t>(), k);
      }
    }
  }
}

TEST(TtqForward, CodesMatchTheTernaryWeight) {
  torch::manual_seed(3);
  const auto w = torch::randn({6, 5});
  const auto th = mode_t(0.2);
  const auto out = ternarize(w, vec({1}), vec({1}), th);
  EXPECT_TRUE(torch::equal(ternary_codes(ternary_masks(w, th)), out.to(torch::kInt8)));
  EXPECT_EQ(ternary_codes(ternary_masks(w, th)).scalar_type(), torch::kInt8);
}

TEST(TtqForward, InvalidThresholdsAreArgumentErrors) {
  EXPECT_THROW(validate(mode_t(-0.1)), ArgumentError);
  EXPECT_THROW(validate(mode_t(1.5)), ArgumentError);
  EXPECT_THROW(validate(mode_t(std::nan(""))), ArgumentError);
  EXPECT_THROW(validate(mode_sparsity(1.01)), ArgumentError);
  EXPECT_NO_THROW(validate(mode_sparsity(0.5)));
  EXPECT_THROW(ternary_masks(hand_weight(), mode_sparsity(-1)), ArgumentError);
  EXPECT_EQ(parse_threshold_mode("sparsity"), ThresholdMode::sparsity);
  EXPECT_THROW(parse_threshold_mode("T"), ArgumentError);
  EXPECT_EQ(parse_wn_grad_sign("true"), WnGradSign::chain_rule);
  EXPECT_EQ(parse_wn_grad_sign("paper"), WnGradSign::paper);
  EXPECT_THROW(parse_wn_grad_sign("negative"), ArgumentError);
}

}  // namespace
}  // namespace ttq::train
