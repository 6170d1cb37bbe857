// DoReFa-Net: quantize_k, k-bit weights (tanh-normalised; k = 1 sign·mean|w|),
// k-bit activations (clip to [0, 1], quantize_k, clipped STE).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "common/error.h"
#include "train/quant/baselines/dorefa_activation_quantizer.h"
#include "train/quant/baselines/dorefa_weight_quantizer.h"

using namespace ttq::train;

namespace {

TEST(DoReFa, QuantizeKRoundsToTheGridWithIdentityGradient) {
  // k = 2: the grid is {0, 1/3, 2/3, 1}; 0.2·3 = 0.6 → 1, 0.45·3 = 1.35 → 1, 0.9·3 = 2.7 → 3.
  const auto r = torch::tensor({0.0f, 0.2f, 0.45f, 0.9f, 1.0f}).requires_grad_(true);
  const auto q = dorefa_quantize_k(r, 2);
  EXPECT_TRUE(torch::allclose(q, torch::tensor({0.0f, 1 / 3.0f, 1 / 3.0f, 1.0f, 1.0f}), 1e-6, 1e-6)) << q;
  const auto g = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f});
  (q * g).sum().backward();
  EXPECT_TRUE(torch::equal(r.grad(), g));
}

TEST(DoReFa, TwoBitWeightsFollowTheTanhFormula) {
  // tanh = [0.4621, −0.7616, 0.0997, 0.9640]; r = tanh/(2·0.9640) + ½ = [0.740, 0.105, 0.552, 1];
  // ·3 rounds to [2, 0, 2, 3]; 2·(·/3) − 1 = [1/3, −1, 1/3, 1].
  const std::vector<double> wv = {0.5, -1.0, 0.1, 2.0};
  const auto w = torch::tensor({0.5f, -1.0f, 0.1f, 2.0f}).requires_grad_(true);
  DoReFaWeightQuantizer q(2);
  const auto out = q->forward(w);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({1 / 3.0f, -1.0f, 1 / 3.0f, 1.0f}), 1e-6, 1e-6)) << out;

  // Gradient: round passes straight through, tanh and the max are differentiated.
  // For i ≠ m (m = arg max|tanh|): ∂L/∂w_i = g_i · (1 − t_i²) / M, M = |t_m|.
  // For m, whose own r is always 1: ∂L/∂w_m = −sign(t_m)(1 − t_m²)/M² · Σ_{i≠m} g_i t_i.
  const std::vector<double> g = {1.0, -2.0, 3.0, 0.5};
  (out * torch::tensor({1.0f, -2.0f, 3.0f, 0.5f})).sum().backward();
  std::vector<double> t(4);
  for (int i = 0; i < 4; ++i) t[i] = std::tanh(wv[i]);
  const double m = t[3];
  double cross = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(w.grad()[i].item<double>(), g[i] * (1 - t[i] * t[i]) / m, 1e-5) << "weight " << i;
    cross += g[i] * t[i];
  }
  EXPECT_NEAR(w.grad()[3].item<double>(), -(1 - m * m) / (m * m) * cross, 1e-5);
}

TEST(DoReFa, KBitWeightsTakeAtMostTwoToTheKEvenlySpacedValues) {
  torch::manual_seed(1);
  const auto w = torch::randn({64, 32});
  for (int k : {2, 3, 4}) {
    DoReFaWeightQuantizer q(k);
    const auto values = std::get<0>(torch::_unique(q->forward(w).flatten()));
    EXPECT_LE(values.numel(), int64_t(1) << k) << "k = " << k;
    const double step = 2.0 / double((1 << k) - 1);
    const auto on_grid = ((values + 1) / step - ((values + 1) / step).round()).abs().max().item<double>();
    EXPECT_LT(on_grid, 1e-4) << "k = " << k;
    EXPECT_DOUBLE_EQ(q->bits_per_weight(), double(k));
    EXPECT_EQ(q->packed_bytes(w), 64 * 32 * k / 8);
  }
}

TEST(DoReFa, OneBitWeightsAreSignTimesMeanAbsWithIdentityGradient) {
  // E = mean|w| = 3.5 / 4; the 0 binarizes to +E.
  const auto w = torch::tensor({0.5f, -1.0f, 0.0f, 2.0f}).requires_grad_(true);
  DoReFaWeightQuantizer q(1);
  const auto out = q->forward(w);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({0.875f, -0.875f, 0.875f, 0.875f}), 1e-6, 1e-6)) << out;
  const auto g = torch::tensor({1.0f, -2.0f, 3.0f, 4.0f});
  (out * g).sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), g));
  EXPECT_EQ(q->packed_bytes(torch::zeros({16})), 2 + 4);  // 16 bits + the fp32 E
}

TEST(DoReFa, ActivationsClipQuantizeAndPassGradientOnlyInsideTheClip) {
  // k = 2: clip → [0, 0, 0.2, 0.45, 1, 1]; ·3 → [0, 0, 0.6, 1.35, 3, 3] → round → /3.
  const auto x = torch::tensor({-0.5f, 0.0f, 0.2f, 0.45f, 1.0f, 1.7f}).requires_grad_(true);
  DoReFaActivationQuantizer q(2);
  const auto out = q->forward(x);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({0.0f, 0.0f, 1 / 3.0f, 1 / 3.0f, 1.0f, 1.0f}), 1e-6, 1e-6)) << out;
  const auto g = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f});
  (out * g).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({0.0f, 2.0f, 3.0f, 4.0f, 5.0f, 0.0f}))) << x.grad();
  EXPECT_EQ(q->kind(), "dorefa");
}

TEST(DoReFa, BitWidthsOutsideOneToSixteenAreUserErrors) {
  EXPECT_THROW(DoReFaWeightQuantizer(0), ttq::ArgumentError);
  EXPECT_THROW(DoReFaWeightQuantizer(17), ttq::ArgumentError);
  EXPECT_THROW(DoReFaActivationQuantizer(0), ttq::ArgumentError);
}

}  // namespace
