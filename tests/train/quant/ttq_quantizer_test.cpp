// TTQQuantizer: parameters, initialisation, constrain(), codes and stats.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "train/models/quant_layers.h"
#include "train/quant/ttq_quantizer.h"

namespace ttq::train {
namespace {

torch::Tensor vec(std::vector<float> v) { return torch::tensor(v, torch::kFloat32); }

// max|w| = 2: w̃ = [0.5, -1, 0.02, -0.3, 0.05, 0.9, -0.05, 0]; with t = 0.05,
// I_p = {0.5, 0.9}, I_n = {-1, -0.3}, four zeros (0.02, the ±0.05 ties at Δ, 0).
torch::Tensor hand_weight() { return vec({1.0f, -2.0f, 0.04f, -0.6f, 0.1f, 1.8f, -0.1f, 0.0f}); }

TEST(TtqQuantizer, RegistersTwoPositiveScalarScales) {
  TTQQuantizerImpl q(TTQOptions{}, hand_weight());
  const auto params = q.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params.contains("wp"));
  EXPECT_TRUE(params.contains("wn"));
  EXPECT_EQ(q.wp.sizes(), torch::IntArrayRef({1}));
  EXPECT_EQ(q.wp.item<float>(), 1.0f);  // init "one", the authors' default
  EXPECT_EQ(q.wn.item<float>(), 1.0f);
  EXPECT_EQ(q.kind(), "ttq");
}

TEST(TtqQuantizer, DataInitUsesMeanMagnitudeOfEachSet) {
  TTQOptions o;
  o.init = ScaleInit::data;
  TTQQuantizerImpl q(o, hand_weight());
  EXPECT_FLOAT_EQ(q.wp.item<float>(), (0.5f + 0.9f) / 2);
  EXPECT_FLOAT_EQ(q.wn.item<float>(), (1.0f + 0.3f) / 2);
  // The forward output is in w̃'s scale: ±wp / ±wn, not multiplied by max|w|.
  const auto out = q.forward(hand_weight());
  const float p = q.wp.item<float>(), n = q.wn.item<float>();
  EXPECT_TRUE(torch::allclose(out, vec({p, -n, 0, -n, 0, p, 0, 0}))) << out;
}

TEST(TtqQuantizer, WeightsInitUsesTheSameMeansInTheWeightsUnits) {
  TTQOptions o;
  o.init = ScaleInit::weights;
  TTQQuantizerImpl q(o, hand_weight());  // data's means times max |w| = 2
  EXPECT_FLOAT_EQ(q.wp.item<float>(), (1.0f + 1.8f) / 2);
  EXPECT_FLOAT_EQ(q.wn.item<float>(), (2.0f + 0.6f) / 2);
  EXPECT_EQ(to_string(parse_scale_init("weights")), "weights");
}

TEST(TtqQuantizer, DataInitFallsBackToOneForAnEmptySet) {
  TTQOptions o;
  o.init = ScaleInit::data;
  TTQQuantizerImpl q(o, vec({0.5f, 1.0f, 0.01f}));  // no negative weights
  EXPECT_FLOAT_EQ(q.wp.item<float>(), 0.75f);
  EXPECT_FLOAT_EQ(q.wn.item<float>(), 1.0f);
}

TEST(TtqQuantizer, ScalesFollowTheWeightDtype) {
  TTQQuantizerImpl q(TTQOptions{}, torch::randn({3, 3}, torch::kFloat64));
  EXPECT_EQ(q.wp.scalar_type(), torch::kFloat64);
  EXPECT_EQ(q.forward(torch::randn({3, 3}, torch::kFloat64)).scalar_type(), torch::kFloat64);
}

TEST(TtqQuantizer, ConstrainClampsOnlyNonPositiveScales) {
  TTQQuantizerImpl q(TTQOptions{}, hand_weight());
  {
    torch::NoGradGuard no_grad;
    q.wp.fill_(-0.5);
    q.wn.fill_(0.25);
  }
  q.constrain();
  EXPECT_FLOAT_EQ(q.wp.item<float>(), 1e-8f);
  EXPECT_FLOAT_EQ(q.wn.item<float>(), 0.25f);
  EXPECT_TRUE(q.wp.requires_grad());  // still a trainable leaf
  EXPECT_TRUE(q.wp.is_leaf());
}

TEST(TtqQuantizer, CodesAreInt8Trits) {
  TTQQuantizerImpl q(TTQOptions{}, hand_weight());
  const auto codes = q.codes(hand_weight());
  EXPECT_EQ(codes.scalar_type(), torch::kInt8);
  EXPECT_TRUE(torch::equal(codes, torch::tensor({1, -1, 0, -1, 0, 1, 0, 0}, torch::kInt8))) << codes;
  EXPECT_FALSE(codes.requires_grad());
}

TEST(TtqQuantizer, StatsReportSparsityScalesAndCounts) {
  TTQOptions o;
  o.threshold = {ThresholdMode::t, 0.05, 0};
  TTQQuantizerImpl q(o, hand_weight());
  const auto s = q.stats(hand_weight());
  EXPECT_DOUBLE_EQ(s["sparsity"].get<double>(), 4.0 / 8.0);
  EXPECT_EQ(s["counts"]["positive"].get<int64_t>(), 2);
  EXPECT_EQ(s["counts"]["negative"].get<int64_t>(), 2);
  EXPECT_EQ(s["counts"]["zero"].get<int64_t>(), 4);
  EXPECT_EQ(s["counts"]["total"].get<int64_t>(), 8);
  EXPECT_DOUBLE_EQ(s["wp"].get<double>(), 1.0);
  EXPECT_NEAR(s["delta"].get<double>(), 0.05, 1e-7);
  EXPECT_EQ(s["init"], "one");
  EXPECT_EQ(s["wn_grad_sign"], "chain_rule");
  EXPECT_EQ(s["threshold_mode"], "t");
}

TEST(TtqQuantizer, InvalidOptionsAreArgumentErrors) {
  TTQOptions o;
  o.threshold.t = 2.0;
  EXPECT_THROW(TTQQuantizerImpl(o, hand_weight()), ArgumentError);
  EXPECT_THROW(parse_scale_init("ones"), ArgumentError);
  EXPECT_EQ(parse_scale_init("data"), ScaleInit::data);
}

TEST(TtqQuantizer, ScalesAreNamedUnderTheLayerAndTrainedThroughIt) {
  QLinear fc(4, 3);
  fc->set_quantizer(std::make_shared<TTQQuantizerImpl>(TTQOptions{}, fc->weight));
  const auto params = fc->named_parameters();
  EXPECT_TRUE(params.contains("quant.wp"));
  EXPECT_TRUE(params.contains("quant.wn"));
  fc->forward(torch::randn({5, 4})).pow(2).sum().backward();
  auto& q = dynamic_cast<TTQQuantizerImpl&>(*fc->quantizer());
  ASSERT_TRUE(q.wp.grad().defined());
  ASSERT_TRUE(fc->weight.grad().defined());
  EXPECT_NE(q.wp.grad().item<float>(), 0.0f);
}

}  // namespace
}  // namespace ttq::train
