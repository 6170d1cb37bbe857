// Each baseline end to end: a short fine-tune from fp32 through run_training, then
// load_network (which rebuilds the model from the saved config and attaches the
// quantizers before loading) and the quantized weights' distinct values.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>

#include "../trainer/tiny_idx.h"
#include "../trainer/tiny_run.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/quant/baselines/int8_activation_fake_quant.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/trainer.h"

namespace fs = std::filesystem;
using namespace ttq::train;

namespace {

class BaselineTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("ttq_baselines_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    ttq::test::write_tiny_mnist((root_ / "data").string(), 96, 32, 12);
    run_training(config(), quiet_run("fp32"));
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static RunOptions quiet_run(const std::string& name) {
    RunOptions r;
    r.output_dir = (root_ / name).string();
    r.quiet = true;
    return r;
  }

  static TrainConfig config() {
    return ttq::test::tiny_run_config((root_ / "data").string(), 11, 0.02);
  }

  // Fine-tunes the fp32 run with `quant` for one epoch; returns the summary.
  static nlohmann::json fine_tune(const QuantConfig& quant, const std::string& name) {
    TrainConfig c = config();
    c.quant = quant;
    c.init_checkpoint = (root_ / "fp32").string();
    return run_training(c, quiet_run(name));
  }

  // The loaded run's quantized layers (first conv and last FC must be fp32).
  static std::vector<NamedLayer> quantized_layers(Network& net) {
    const auto layers = quantizable_layers(net);
    EXPECT_FALSE(layers.front().layer->quantizer());
    EXPECT_FALSE(layers.back().layer->quantizer());
    return {layers.begin() + 1, layers.end() - 1};
  }

  static int64_t distinct(const torch::Tensor& t) { return std::get<0>(torch::_unique(t.flatten())).numel(); }

  static fs::path root_;
};
fs::path BaselineTraining::root_;

QuantConfig method(const std::string& name, int weight_bits = 2, int act_bits = 0) {
  QuantConfig q;
  q.method = name;
  q.weight_bits = weight_bits;
  q.act_bits = act_bits;
  return q;
}

TEST_F(BaselineTraining, TWNIsTernaryAfterReload) {
  const auto s = fine_tune(method("twn"), "twn");
  auto net = load_network((root_ / "twn").string()).net;
  torch::NoGradGuard ng;
  for (const auto& l : quantized_layers(*net)) {
    EXPECT_EQ(l.layer->quantizer()->kind(), "twn");
    EXPECT_LE(distinct(l.layer->effective_weight()), 3) << l.name;
  }
  EXPECT_DOUBLE_EQ(s["size"]["bits_per_weight"].get<double>(), 2.0);
  EXPECT_GT(s["sparsity"].get<double>(), 0.0);
  EXPECT_EQ(s["method"], "twn");
}

TEST_F(BaselineTraining, BWNIsBinaryPerChannelAfterReload) {
  const auto s = fine_tune(method("bwn"), "bwn");
  auto net = load_network((root_ / "bwn").string()).net;
  torch::NoGradGuard ng;
  for (const auto& l : quantized_layers(*net)) {
    const auto w = l.layer->effective_weight();
    for (int64_t c = 0; c < w.size(0); ++c) EXPECT_LE(distinct(w[c]), 2) << l.name << " channel " << c;
    EXPECT_EQ(int64_t((w == 0).sum().item<int64_t>()), 0) << l.name;
  }
  EXPECT_DOUBLE_EQ(s["size"]["bits_per_weight"].get<double>(), 1.0);
  EXPECT_LT(s["size"]["packed_bytes"].get<int64_t>(), s["size"]["fp32_bytes"].get<int64_t>() / 8);
}

TEST_F(BaselineTraining, DoReFaTwoBitWeightsAndFourBitActivationsAfterReload) {
  const auto s = fine_tune(method("dorefa", 2, 4), "dorefa");
  auto net = load_network((root_ / "dorefa").string()).net;
  torch::NoGradGuard ng;
  for (const auto& l : quantized_layers(*net)) {
    EXPECT_LE(distinct(l.layer->effective_weight()), 4) << l.name;
    ASSERT_TRUE(l.layer->input_quantizer()) << l.name;
    // 4-bit activations: 16 levels in [0, 1].
    const auto a = l.layer->effective_input(torch::linspace(-1, 2, 1000));
    EXPECT_LE(distinct(a), 16) << l.name;
  }
  EXPECT_DOUBLE_EQ(s["size"]["bits_per_weight"].get<double>(), 2.0);
}

TEST_F(BaselineTraining, Int8QatWeightsAndActivationRangesAfterReload) {
  const auto s = fine_tune(method("int8-qat", 2, 8), "int8");
  auto net = load_network((root_ / "int8").string()).net;
  net->eval();
  torch::NoGradGuard ng;
  for (const auto& l : quantized_layers(*net)) {
    const auto w = l.layer->effective_weight();
    for (int64_t c = 0; c < w.size(0); ++c) EXPECT_LE(distinct(w[c]), 255) << l.name;
    // The EMA range came back from the checkpoint (a fresh quantizer has 0, 0, 0).
    auto act = std::dynamic_pointer_cast<Int8ActivationFakeQuantImpl>(l.layer->input_quantizer());
    ASSERT_TRUE(act) << l.name;
    EXPECT_EQ(act->initialized.item<float>(), 1.0f) << l.name;
    EXPECT_LT(act->running_min.item<float>(), act->running_max.item<float>()) << l.name;
  }
  EXPECT_DOUBLE_EQ(s["size"]["bits_per_weight"].get<double>(), 8.0);
  EXPECT_GT(s["top1"].get<double>(), 0.0);
}

}  // namespace
