// Binary weights (BWN): α per output channel, sign(0) = +1, XNOR-Net's gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/quant/baselines/binary_weight_quantizer.h"

using namespace ttq::train;

namespace {

// Row 0: α = 2.25 / 3 = 0.75; row 1: α = 1.5 / 3 = 0.5 (its 0 binarizes to +α).
torch::Tensor hand_weight() { return torch::tensor({{0.5f, -0.25f, 1.5f}, {-0.2f, 0.0f, 1.3f}}); }

TEST(BinaryWeights, ValuesArePlusMinusAlphaPerOutputChannel) {
  BinaryWeightQuantizer q;
  const auto out = q->forward(hand_weight());
  const auto expected = torch::tensor({{0.75f, -0.75f, 0.75f}, {-0.5f, 0.5f, 0.5f}});
  EXPECT_TRUE(torch::allclose(out, expected, 1e-6, 1e-6)) << out;
  EXPECT_TRUE(torch::allclose(binary_channel_scale(hand_weight()), torch::tensor({0.75f, 0.5f}), 1e-6, 1e-6));
  EXPECT_EQ(q->kind(), "bwn");
  EXPECT_DOUBLE_EQ(q->bits_per_weight(), 1.0);
}

TEST(BinaryWeights, ConvFiltersEachGetTheirOwnScale) {
  auto w = torch::zeros({2, 1, 2, 2});
  w[0].fill_(-0.3f);
  w[1] = torch::tensor({{0.1f, -0.2f}, {0.3f, -0.4f}}).unsqueeze(0);
  BinaryWeightQuantizer q;
  const auto out = q->forward(w);
  EXPECT_TRUE(torch::allclose(out[0], torch::full({1, 2, 2}, -0.3f)));
  EXPECT_TRUE(torch::allclose(out[1], torch::tensor({{0.25f, -0.25f}, {0.25f, -0.25f}}).unsqueeze(0)));
}

TEST(BinaryWeights, GradientIsXnorNets) {
  const auto w = hand_weight().requires_grad_(true);
  // Row 0: Σ g·sign(w) = 1 − 2 + 3 = 2, so each weight also gets sign(w)·2/3;
  // its 1.5 is outside |w| ≤ 1, so its STE part is clipped to 0.
  // Row 1: Σ g·sign(w) = −2 − 1 + 3 = 0, so only the clipped STE part remains:
  // α·g where |w| ≤ 1 and exactly 0 for the 1.3.
  const auto g = torch::tensor({{1.0f, 2.0f, 3.0f}, {2.0f, -1.0f, 3.0f}});
  BinaryWeightQuantizer q;
  (q->forward(w) * g).sum().backward();
  const auto expected = torch::tensor({{0.75f * 1 + 2.0f / 3, 0.75f * 2 - 2.0f / 3, 0.0f + 2.0f / 3},
                                       {0.5f * 2, 0.5f * -1, 0.0f}});
  EXPECT_TRUE(torch::allclose(w.grad(), expected, 1e-6, 1e-6)) << w.grad();
  EXPECT_EQ(w.grad()[1][2].item<float>(), 0.0f);
}

TEST(BinaryWeights, ScaleTermOfTheGradientMatchesFiniteDifferences) {
  // The sign has derivative 0 almost everywhere, so a finite difference sees only
  // α's own dependence on w: the gradient minus its STE part.
  torch::manual_seed(3);
  const auto w0 = torch::randn({3, 4}, torch::kFloat64) * 0.5;
  const auto g = torch::randn({3, 4}, torch::kFloat64);
  const auto w = w0.clone().requires_grad_(true);
  BinaryWeightQuantizer q;
  (q->forward(w) * g).sum().backward();
  const auto alpha = binary_channel_scale(w0).unsqueeze(1);
  const auto scale_term = w.grad() - torch::where(w0.abs() <= 1, alpha * g, torch::zeros_like(g));
  const double eps = 1e-7;
  for (int64_t i = 0; i < w0.numel(); ++i) {
    auto plus = w0.clone(), minus = w0.clone();
    plus.view(-1)[i] += eps;
    minus.view(-1)[i] -= eps;
    const double fd = ((q->forward(plus) * g).sum().item<double>() - (q->forward(minus) * g).sum().item<double>()) / (2 * eps);
    EXPECT_NEAR(scale_term.view(-1)[i].item<double>(), fd, 1e-6) << "weight " << i;
  }
}

TEST(BinaryWeights, PackedBytesAreOneBitAndOneScalePerChannel) {
  BinaryWeightQuantizer q;
  EXPECT_EQ(q->packed_bytes(torch::zeros({16, 8, 3, 3})), 16 * 8 * 9 / 8 + 4 * 16);
}

}  // namespace
