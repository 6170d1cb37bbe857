// attach_quantization() with the baselines on a zoo model: which layers get which
// quantizers, a forward/backward pass, and the flag errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "train/models/model_zoo.h"
#include "train/models/quant_layers.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/quant_methods.h"

using namespace ttq::train;

namespace {

std::shared_ptr<Network> mnist_resnet20() {
  ModelOptions o;
  o.in_channels = 1;
  o.height = o.width = 28;
  o.num_classes = 10;
  torch::manual_seed(5);
  return make_model("resnet20", o);
}

QuantConfig method(const std::string& name, int weight_bits = 2, int act_bits = 0) {
  QuantConfig q;
  q.method = name;
  q.weight_bits = weight_bits;
  q.act_bits = act_bits;
  return q;
}

struct Case {
  QuantConfig quant;
  std::string act_kind;  // "" when activations stay fp32
};

TEST(AttachBaselines, EveryLayerButFirstConvAndLastFcOnAZooModel) {
  const std::vector<Case> cases = {{method("twn"), ""},
                                   {method("bwn"), ""},
                                   {method("dorefa", 2, 0), ""},
                                   {method("dorefa", 3, 4), "dorefa"},
                                   {method("int8-qat", 2, 0), ""},
                                   {method("int8-qat", 2, 8), "int8-qat"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.quant.method + " act_bits " + std::to_string(c.quant.act_bits));
    auto net = mnist_resnet20();
    const auto names = attach_quantization(*net, c.quant);
    const auto layers = quantizable_layers(*net);
    ASSERT_EQ(names.size(), layers.size() - 2);
    EXPECT_FALSE(layers.front().layer->quantizer());
    EXPECT_FALSE(layers.back().layer->quantizer());
    EXPECT_FALSE(layers.front().layer->input_quantizer());
    EXPECT_FALSE(layers.back().layer->input_quantizer());
    for (size_t i = 1; i + 1 < layers.size(); ++i) {
      ASSERT_TRUE(layers[i].layer->quantizer()) << layers[i].name;
      EXPECT_EQ(layers[i].layer->quantizer()->kind(), c.quant.method);
      if (c.act_kind.empty()) {
        EXPECT_FALSE(layers[i].layer->input_quantizer()) << layers[i].name;
      } else {
        ASSERT_TRUE(layers[i].layer->input_quantizer()) << layers[i].name;
        EXPECT_EQ(layers[i].layer->input_quantizer()->kind(), c.act_kind);
      }
    }
    // One training step's worth of autograd: every quantized latent weight gets a gradient.
    net->train();
    const auto x = torch::randn({2, 1, 28, 28});
    const auto y = net->forward(x);
    ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 10}));
    y.pow(2).sum().backward();
    for (size_t i = 1; i + 1 < layers.size(); ++i) {
      ASSERT_TRUE(layers[i].layer->weight.grad().defined()) << layers[i].name;
      EXPECT_GT(layers[i].layer->weight.grad().abs().sum().item<double>(), 0.0) << layers[i].name;
    }
  }
}

TEST(AttachBaselines, Int8ActivationRangesAreCheckpointBuffers) {
  auto net = mnist_resnet20();
  attach_quantization(*net, method("int8-qat", 2, 8));
  int ranges = 0;
  for (const auto& b : net->named_buffers())
    if (b.key().find(".act_quant.running_min") != std::string::npos) ++ranges;
  EXPECT_EQ(ranges, int(quantizable_layers(*net).size()) - 2);
}

TEST(AttachBaselines, OtherMethodsAreNotTheirs) {
  auto net = mnist_resnet20();
  EXPECT_FALSE(attach_qat_baseline(*net, {}, method("ttq")).has_value());
  EXPECT_FALSE(attach_qat_baseline(*net, {}, method("prune")).has_value());
  EXPECT_FALSE(quantizable_layers(*net)[1].layer->quantizer());
}

TEST(AttachBaselines, NonsenseSettingsAreUserErrors) {
  auto net = mnist_resnet20();
  EXPECT_THROW(attach_quantization(*net, method("twn", 2, 8)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("bwn", 2, 4)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("dorefa", 0, 0)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("dorefa", 2, 17)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("dorefa", 2, -1)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("int8-qat", 2, 4)), ttq::ArgumentError);
  EXPECT_THROW(attach_quantization(*net, method("kmeans", 9)), ttq::ArgumentError);
  QuantConfig median = method("kmeans", 4);  // a hand-edited config.json: not taken for the mean
  median.centroid_grad = "median";
  EXPECT_THROW(attach_quantization(*net, median), ttq::ArgumentError);
  // A rejected configuration leaves the model untouched.
  for (const auto& l : quantizable_layers(*net)) EXPECT_FALSE(l.layer->quantizer()) << l.name;
}

}  // namespace
