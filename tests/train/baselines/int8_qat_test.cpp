// INT8 QAT: symmetric per-channel weight fake-quant, asymmetric per-tensor input
// fake-quant with an EMA range, clipped straight-through gradients.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "train/quant/baselines/int8_activation_fake_quant.h"
#include "train/quant/baselines/int8_weight_fake_quant.h"

using namespace ttq::train;

namespace {

TEST(Int8Weights, SymmetricPerChannelScaleAndRounding) {
  // Row 0: s = 1.27/127 = 0.01; −0.634 → code −63 → −0.63; 0.001 → 0. Row 1 is all zero.
  const auto w = torch::tensor({{1.27f, -0.634f, 0.001f}, {0.0f, 0.0f, 0.0f}}).requires_grad_(true);
  Int8WeightFakeQuant q;
  const auto out = q->forward(w);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({{1.27f, -0.63f, 0.0f}, {0.0f, 0.0f, 0.0f}}), 1e-6, 1e-6)) << out;
  EXPECT_NEAR(int8_channel_scale(w)[0].item<double>(), 0.01, 1e-8);
  const auto g = torch::tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  (out * g).sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), g));  // the channel max never clips
  EXPECT_EQ(q->kind(), "int8-qat");
  EXPECT_DOUBLE_EQ(q->bits_per_weight(), 8.0);
  EXPECT_EQ(q->packed_bytes(w), 6 + 4 * 2);
}

TEST(Int8Weights, EveryChannelHasAtMost255LevelsOnItsOwnGrid) {
  torch::manual_seed(2);
  const auto w = torch::randn({8, 4, 3, 3});
  Int8WeightFakeQuant q;
  const auto out = q->forward(w);
  const auto scale = int8_channel_scale(w);
  for (int64_t c = 0; c < 8; ++c) {
    const auto codes = out[c] / scale[c];
    EXPECT_LT((codes - codes.round()).abs().max().item<double>(), 1e-3);
    EXPECT_LE(codes.abs().max().item<double>(), 127.0 + 1e-3);
    EXPECT_LT((out[c] - w[c]).abs().max().item<double>(), scale[c].item<double>() / 2 + 1e-6);
  }
}

TEST(Int8Weights, ClippedCodesGetNoGradient) {
  // With a scale of 0.001 the 1.27 maps to code 1270, clamped to 127 → 0.127.
  const auto w = torch::tensor({{1.27f, -0.05f, 0.1f}}).requires_grad_(true);
  const auto out = fake_quant_int8_per_channel(w, torch::tensor({0.001f}));
  EXPECT_TRUE(torch::allclose(out, torch::tensor({{0.127f, -0.05f, 0.1f}}), 1e-6, 1e-6)) << out;
  out.sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({{0.0f, 1.0f, 1.0f}})));
}

TEST(Int8Activations, AsymmetricQuantizationOfAHandMadeRange) {
  // lo = −1, hi = 3: s = 4/255, z = round(63.75) = 64.
  // −2.5 → round(−159.4) + 64 = −95 → clamped to 0 → −64·s, no gradient;
  // 0 → exactly 0; 1 → 64 + 64 = 128 → 64·s; 5 → 319 + 64 → clamped to 255 → 191·s, no gradient.
  const auto x = torch::tensor({-2.5f, 0.0f, 1.0f, 5.0f}).requires_grad_(true);
  const auto out = fake_quant_asymmetric(x, torch::tensor(-1.0f), torch::tensor(3.0f), 8);
  const float s = 4.0f / 255;
  EXPECT_TRUE(torch::allclose(out, torch::tensor({-64 * s, 0.0f, 64 * s, 191 * s}), 1e-6, 1e-6)) << out;
  EXPECT_EQ(out[1].item<float>(), 0.0f);
  out.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}))) << x.grad();
}

TEST(Int8Activations, RangeExtendsToZero) {
  // An all-positive range [2, 4] becomes [0, 4] (s = 4/255, z = 0): 0 and 4 stay exact
  // (a range starting at 2 would map 0 to 2), and −0.5 clips to 0 with no gradient.
  const auto x = torch::tensor({0.0f, 4.0f, 100 * 4.0f / 255, -0.5f}).requires_grad_(true);
  const auto out = fake_quant_asymmetric(x, torch::tensor(2.0f), torch::tensor(4.0f), 8);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({0.0f, 4.0f, 100 * 4.0f / 255, 0.0f}), 1e-6, 1e-6)) << out;
  EXPECT_EQ(out[0].item<float>(), 0.0f);
  out.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::tensor({1.0f, 1.0f, 1.0f, 0.0f}))) << x.grad();
}

TEST(Int8Activations, EmaRangeInTrainingFrozenInEval) {
  Int8ActivationFakeQuant q(8, 0.5);
  // Before any training batch: passes x unchanged.
  q->eval();
  const auto probe = torch::tensor({0.123456f, -7.0f});
  EXPECT_TRUE(torch::equal(q->forward(probe), probe));
  q->train();
  q->forward(torch::tensor({-1.0f, 0.5f, 2.0f}));  // first batch: the range itself
  EXPECT_FLOAT_EQ(q->running_min.item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(q->running_max.item<float>(), 2.0f);
  q->forward(torch::tensor({-3.0f, 4.0f}));  // then (1 − ½)·running + ½·batch
  EXPECT_FLOAT_EQ(q->running_min.item<float>(), -2.0f);
  EXPECT_FLOAT_EQ(q->running_max.item<float>(), 3.0f);
  q->eval();
  const auto x = torch::tensor({-10.0f, 0.7f, 10.0f});
  const auto out = q->forward(x);
  EXPECT_FLOAT_EQ(q->running_min.item<float>(), -2.0f);  // eval does not move the range
  EXPECT_FLOAT_EQ(q->running_max.item<float>(), 3.0f);
  EXPECT_TRUE(torch::equal(out, fake_quant_asymmetric(x, torch::tensor(-2.0f), torch::tensor(3.0f), 8)));
  EXPECT_NEAR(out[0].item<float>(), -2.0f, 1e-6);  // clipped to the range
}

TEST(Int8Activations, RangeLivesInNamedBuffers) {
  Int8ActivationFakeQuant q;
  std::vector<std::string> names;
  for (const auto& b : q->named_buffers()) names.push_back(b.key());
  EXPECT_EQ(names, (std::vector<std::string>{"running_min", "running_max", "initialized"}));
  EXPECT_THROW(Int8ActivationFakeQuant(1), ttq::ArgumentError);
  EXPECT_THROW(Int8ActivationFakeQuant(8, 0.0), ttq::ArgumentError);
}

}  // namespace
