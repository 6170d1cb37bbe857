// Every model builds for MNIST-, CIFAR- and Tiny-ImageNet-shaped inputs, gives
// [N, classes], trains (every parameter gets a gradient) and describes itself
// with a valid graph that names every tensor it owns.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/models/graph_shapes.h"
#include "train/models/model_zoo.h"

namespace ttq::train {
namespace {

struct Case {
  std::string model;
  int64_t channels, side, classes;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const auto& c = info.param;
  return c.model + "_" + std::to_string(c.channels) + "x" + std::to_string(c.side) + "_" + std::to_string(c.classes);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& name : model_names()) {
    out.push_back({name, 1, 28, 10});
    out.push_back({name, 3, 32, 10});
    if (name != "densenet121") out.push_back({name, 3, 64, 200});  // DenseNet-121 is slow; two shapes suffice
  }
  return out;
}

class ZooShapes : public ::testing::TestWithParam<Case> {
 protected:
  std::shared_ptr<Network> build() const {
    const auto& c = GetParam();
    ModelOptions o;
    o.in_channels = c.channels;
    o.height = o.width = c.side;
    o.num_classes = c.classes;
    return make_model(c.model, o);
  }
};

TEST_P(ZooShapes, ForwardGivesOneLogitPerClass) {
  const auto& c = GetParam();
  auto net = build();
  net->eval();
  torch::NoGradGuard no_grad;
  const auto y = net->forward(torch::randn({2, c.channels, c.side, c.side}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, c.classes}));
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
}

TEST_P(ZooShapes, GraphIsValidAndNamesEveryTensor) {
  const auto& c = GetParam();
  auto net = build();
  const auto g = net->describe({c.channels, c.side, c.side});
  const auto reread = format::Graph::from_json(g.to_json());
  ASSERT_EQ(reread.nodes.size(), g.nodes.size());
  EXPECT_EQ(infer_shapes(g).at(g.output), (ActivationShape{c.classes}));

  std::set<std::string> layer_nodes;
  for (const auto& n : g.nodes) {
    if (n.op == "conv2d" || n.op == "linear" || n.op == "batchnorm") layer_nodes.insert(n.name);
  }
  // Every tensor belongs to one layer node: "<node>.<tensor>" ...
  std::set<std::string> owners;
  const auto check_owned = [&](const std::string& key) {
    const auto cut = key.rfind('.');
    ASSERT_NE(cut, std::string::npos);
    const std::string owner = key.substr(0, cut);
    EXPECT_TRUE(layer_nodes.count(owner)) << key << " belongs to no graph node";
    owners.insert(owner);
  };
  for (const auto& p : net->named_parameters()) check_owned(p.key());
  for (const auto& b : net->named_buffers()) check_owned(b.key());
  // ... and every layer node has its weight (batch norms: their statistics).
  const auto params = net->named_parameters();
  const auto buffers = net->named_buffers();
  for (const auto& n : g.nodes) {
    if (!layer_nodes.count(n.name)) continue;
    const std::string w = n.name + (n.op == "batchnorm" ? ".running_var" : ".weight");
    EXPECT_TRUE(params.contains(w) || buffers.contains(w)) << "graph node " << n.name << " has no tensor " << w;
  }
  EXPECT_EQ(owners, layer_nodes);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooShapes, ::testing::ValuesIn(cases()), case_name);

TEST(ZooTraining, EveryParameterGetsAGradient) {
  for (const auto& name : model_names()) {
    if (name == "densenet121") continue;  // slow; same building blocks as densenet_small
    ModelOptions o;
    o.in_channels = 1;
    o.height = o.width = 28;
    auto net = make_model(name, o);
    net->train();
    net->forward(torch::randn({2, 1, 28, 28})).pow(2).sum().backward();
    for (const auto& p : net->named_parameters()) {
      EXPECT_TRUE(p.value().grad().defined()) << name << ": " << p.key() << " is not used by forward";
    }
  }
}

}  // namespace
}  // namespace ttq::train
