// INT8 quantize / dequantize for each variant, FP16 rounding and SQNR on hand-made tensors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "train/ptq/int8_math.h"
#include "train/ptq/ptq_quantizers.h"

using namespace ttq::train;

namespace {
std::vector<int64_t> codes_of(const torch::Tensor& q) {
  const torch::Tensor c = q.flatten().to(torch::kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}
}  // namespace

TEST(Int8Math, PerTensorSymmetric) {
  const torch::Tensor x = torch::tensor({-2.54f, -1.0f, 0.0f, 0.5f, 1.27f});
  const Int8Params p = int8_params(x, {true, false});
  EXPECT_FLOAT_EQ(p.scale.item<float>(), 2.54f / 127);  // max|x| / 127
  EXPECT_EQ(p.zero_point.item<int64_t>(), 0);
  // -2.54/0.02 = -127, -1/0.02 = -50, 0.5/0.02 = 25; 1.27/0.02 is a tie (63 or 64 by float rounding)
  const auto q = codes_of(int8_quantize(x, p, true));
  EXPECT_EQ(q[0], -127);
  EXPECT_EQ(q[1], -50);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[3], 25);
  EXPECT_NEAR(double(q[4]), 63.5, 0.51);
  const torch::Tensor back = int8_fake_quant(x, p, true);
  EXPECT_NEAR(back[1].item<float>(), -1.0f, 1e-6);
  EXPECT_LE((back - x).abs().max().item<float>(), 0.5f * p.scale.item<float>() + 1e-6f);
}

TEST(Int8Math, PerTensorAsymmetricIncludesZero) {
  // Range [1, 3.55] widens to [0, 3.55] so that 0 stays exact: scale 3.55/255, zero point 0.
  const torch::Tensor x = torch::tensor({1.0f, 2.0f, 3.55f});
  const Int8Params p = int8_params(x, {false, false});
  EXPECT_FLOAT_EQ(p.scale.item<float>(), 3.55f / 255);
  EXPECT_EQ(p.zero_point.item<int64_t>(), 0);
  EXPECT_EQ(codes_of(int8_quantize(x, p, false)).back(), 255);

  // Range [-1, 3]: scale 4/255, zero point round(1 / (4/255)) = round(63.75) = 64.
  const torch::Tensor y = torch::tensor({-1.0f, 0.0f, 3.0f});
  const Int8Params py = int8_params(y, {false, false});
  EXPECT_FLOAT_EQ(py.scale.item<float>(), 4.0f / 255);
  EXPECT_EQ(py.zero_point.item<int64_t>(), 64);
  EXPECT_EQ(codes_of(int8_quantize(y, py, false)), (std::vector<int64_t>{0, 64, 255}));
  EXPECT_EQ(int8_fake_quant(y, py, false)[1].item<float>(), 0.0f);  // zero is exact
}

TEST(Int8Math, PerChannelHasOneScalePerOutputChannel) {
  // Channel 0 spans +-1.27, channel 1 +-127: per-tensor would crush channel 0 to 1 level.
  const torch::Tensor w = torch::tensor({1.27f, -0.01f, 127.0f, -60.0f}).view({2, 2, 1, 1});
  const Int8Params p = int8_params(w, {true, true});
  ASSERT_EQ(p.scale.numel(), 2);
  EXPECT_FLOAT_EQ(p.scale[0].item<float>(), 0.01f);
  EXPECT_FLOAT_EQ(p.scale[1].item<float>(), 1.0f);
  EXPECT_EQ(codes_of(int8_quantize(w, p, true)), (std::vector<int64_t>{127, -1, 127, -60}));
  const Int8Params pt = int8_params(w, {true, false});
  EXPECT_EQ(codes_of(int8_quantize(w, pt, true))[1], 0);  // per tensor: -0.01 rounds to 0
  EXPECT_GT(sqnr_db(w, int8_fake_quant(w, p, true)), sqnr_db(w, int8_fake_quant(w, pt, true)));
}

TEST(Int8Math, PerChannelAsymmetric) {
  const torch::Tensor w = torch::tensor({0.0f, 2.55f, -2.55f, 0.0f}).view({2, 2});
  const Int8Params p = int8_params(w, {false, true});
  EXPECT_EQ(codes_of(p.zero_point), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(codes_of(int8_quantize(w, p, false)), (std::vector<int64_t>{0, 255, 0, 255}));
  EXPECT_TRUE(torch::allclose(int8_dequantize(int8_quantize(w, p, false), p), w));
}

TEST(Int8Math, AllZeroChannelStaysZero) {
  const torch::Tensor w = torch::zeros({2, 3});
  for (bool sym : {true, false}) {
    const Int8Params p = int8_params(w, {sym, true});
    EXPECT_TRUE(torch::equal(int8_fake_quant(w, p, sym), w));
  }
}

TEST(Fp16, RoundsToHalfPrecision) {
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties to even -> 1.
  const torch::Tensor x = torch::tensor({1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11), 70000.0f});
  const torch::Tensor r = fp16_round(x);
  EXPECT_EQ(r[0].item<float>(), 1.0f);
  EXPECT_EQ(r[1].item<float>(), 1.0f + std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::isinf(r[2].item<float>()));  // beyond half's max 65504
  EXPECT_EQ(r.scalar_type(), torch::kFloat32);
}

TEST(Sqnr, KnownCase) {
  // signal 1^2 + 2^2 + 2^2 = 9, noise 0.1^2 * 9 = 0.09: 10 log10(100) = 20 dB.
  const torch::Tensor ref = torch::tensor({1.0f, 2.0f, -2.0f});
  EXPECT_NEAR(sqnr_db(ref, ref * 1.1), 20.0, 1e-4);
  EXPECT_TRUE(std::isinf(sqnr_db(ref, ref)));
  // 8-bit symmetric uniform quantization of a uniform signal: about 6.02 * 8 - 1.25 ~ 47 dB (+-3).
  torch::manual_seed(0);
  const torch::Tensor u = torch::rand({100000}) * 2 - 1;
  const double db = sqnr_db(u, int8_fake_quant(u, int8_params(u, {true, false}), true));
  EXPECT_NEAR(db, 10 * std::log10(1.0 / 3.0 / (std::pow(1.0 / 127, 2) / 12)), 0.5);
}

TEST(PtqQuantizers, InputQuantizerObservesThenQuantizes) {
  PtqInputQuantizerImpl q(ActivationFormat::int8, false);
  const torch::Tensor a = torch::tensor({0.0f, 1.0f}), b = torch::tensor({0.5f, 2.55f});
  EXPECT_TRUE(torch::equal(q.forward(a), a));  // observe: pass through
  q.forward(b);
  EXPECT_EQ(q.min.item<float>(), 0.0f);
  EXPECT_EQ(q.max.item<float>(), 2.55f);
  q.mode = PtqInputQuantizerImpl::Mode::quantize;
  const torch::Tensor y = q.forward(torch::tensor({1.004f, 3.0f, -1.0f}));
  EXPECT_NEAR(y[0].item<float>(), 1.0f, 1e-5);   // scale 0.01
  EXPECT_NEAR(y[1].item<float>(), 2.55f, 1e-5);  // clamped to the calibrated range
  EXPECT_EQ(y[2].item<float>(), 0.0f);
  EXPECT_EQ(q.min.item<float>(), 0.0f);  // quantize mode no longer observes
}

TEST(PtqQuantizers, WeightQuantizersAndSizes) {
  const torch::Tensor w = torch::tensor({0.3f, -0.7f, 1.1f, 0.02f}).view({2, 2});
  Int8WeightQuantizerImpl per_channel_asym(Int8Scheme{false, true});
  EXPECT_EQ(per_channel_asym.packed_bytes(w), 4 + 2 * 5);
  Int8WeightQuantizerImpl per_tensor_sym(Int8Scheme{true, false});
  EXPECT_EQ(per_tensor_sym.packed_bytes(w), 4 + 4);
  EXPECT_TRUE(torch::allclose(per_tensor_sym.forward(w), int8_fake_quant(w, int8_params(w, {true, false}), true)));
  Fp16WeightQuantizerImpl half;
  EXPECT_EQ(half.packed_bytes(w), 8);
  EXPECT_TRUE(torch::equal(half.forward(w), w.to(torch::kHalf).to(torch::kFloat32)));
}
