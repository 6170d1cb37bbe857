// TWN: Δ = 0.7·mean|w|, α = mean |w| over |w| > Δ, straight-through gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/quant/baselines/twn_quantizer.h"

using namespace ttq::train;

namespace {

TEST(TWN, ThresholdScaleAndValuesOnAHandMadeWeight) {
  // mean|w| = 1.85 / 6, Δ = 0.7 · that = 0.2158..; kept: 0.5, 0.9, 0.3 → α = 1.7 / 3.
  const auto w = torch::tensor({0.1f, -0.5f, 0.9f, -0.05f, 0.3f, 0.0f});
  const TWNScale s = twn_scale(w);
  EXPECT_NEAR(s.delta.item<double>(), 0.7 * 1.85 / 6, 1e-6);
  EXPECT_NEAR(s.alpha.item<double>(), 1.7 / 3, 1e-6);
  TWNQuantizer q;
  const auto out = q->forward(w);
  const float a = float(1.7 / 3);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({0.0f, -a, a, 0.0f, a, 0.0f}), 1e-6, 1e-6)) << out;
  EXPECT_EQ(q->kind(), "twn");
  EXPECT_DOUBLE_EQ(q->bits_per_weight(), 2.0);
  const auto st = q->stats(w);
  EXPECT_EQ(st["counts"]["zero"].get<int64_t>(), 3);
  EXPECT_EQ(st["counts"]["positive"].get<int64_t>(), 2);
  EXPECT_EQ(st["counts"]["negative"].get<int64_t>(), 1);
}

TEST(TWN, ScaleIsPerLayerNotPerChannel) {
  // Row 1 alone would have a much smaller α; TWN uses one α for the whole tensor.
  const auto w = torch::tensor({{1.0f, -1.0f}, {0.8f, 0.05f}});
  TWNQuantizer q;
  const auto out = q->forward(w);
  const auto distinct = std::get<0>(torch::_unique(out.abs().flatten()));
  ASSERT_EQ(distinct.numel(), 2);  // 0 and α
  EXPECT_NEAR(distinct[1].item<double>(), (1.0 + 1.0 + 0.8) / 3, 1e-6);
}

TEST(TWN, GradientIsStraightThrough) {
  const auto w = torch::tensor({0.1f, -0.5f, 0.9f, -0.05f, 0.3f, 0.0f}).requires_grad_(true);
  const auto g = torch::tensor({1.0f, -2.0f, 3.0f, 4.0f, -5.0f, 6.0f});
  TWNQuantizer q;
  (q->forward(w) * g).sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), g)) << w.grad();  // zeros included: nothing clips
}

TEST(TWN, AllZeroLayerStaysZero) {
  const auto w = torch::zeros({3, 2});
  TWNQuantizer q;
  EXPECT_TRUE(torch::equal(q->forward(w), w));
  EXPECT_DOUBLE_EQ(twn_scale(w).alpha.item<double>(), 0.0);
}

TEST(TWN, PackedBytesAreTwoBitsAndOneScale) {
  TWNQuantizer q;
  EXPECT_EQ(q->packed_bytes(torch::zeros({16, 16, 3, 3})), 16 * 16 * 9 / 4 + 4);
  EXPECT_EQ(q->packed_bytes(torch::zeros({5})), 2 + 4);  // 10 bits round up to 2 bytes
}

}  // namespace
