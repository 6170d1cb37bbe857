// Every model builds for MNIST-, CIFAR- and Tiny-ImageNet-shaped inputs, gives
// [N, classes], trains (every parameter gets a gradient) and describes itself
// with a valid graph that names every tensor it owns.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "train/models/graph_shapes.h"
#include "train/models/model_zoo.h"

namespace ttq::train {
namespace {

struct Shape {
  int64_t channels, side, classes;
};

// MNIST-, CIFAR- and Tiny-ImageNet-shaped; DenseNet-121 is slow, two suffice.
std::vector<Shape> shapes_for(const std::string& model) {
  if (model == "densenet121") return {{1, 28, 10}, {3, 32, 10}};
  return {{1, 28, 10}, {3, 32, 10}, {3, 64, 200}};
}

std::shared_ptr<Network> build(const std::string& model, const Shape& s) {
  ModelOptions o;
  o.in_channels = s.channels;
  o.height = o.width = s.side;
  o.num_classes = s.classes;
  return make_model(model, o);
}

// Every tensor belongs to one conv/linear/batchnorm node ("<node>.<tensor>"),
// and every such node has its weight (batch norms: their statistics).
void expect_graph_names_every_tensor(Network& net, const format::Graph& g) {
  std::set<std::string> layer_nodes, owners;
  for (const auto& n : g.nodes) {
    if (n.op == "conv2d" || n.op == "linear" || n.op == "batchnorm") layer_nodes.insert(n.name);
  }
  const auto check_owned = [&](const std::string& key) {
    const std::string owner = key.substr(0, key.rfind('.'));
    EXPECT_TRUE(layer_nodes.count(owner)) << key << " belongs to no graph node";
    owners.insert(owner);
  };
  for (const auto& p : net.named_parameters()) check_owned(p.key());
  for (const auto& b : net.named_buffers()) check_owned(b.key());
  const auto params = net.named_parameters();
  const auto buffers = net.named_buffers();
  for (const auto& n : g.nodes) {
    if (!layer_nodes.count(n.name)) continue;
    const std::string w = n.name + (n.op == "batchnorm" ? ".running_var" : ".weight");
    EXPECT_TRUE(params.contains(w) || buffers.contains(w)) << "graph node " << n.name << " has no tensor " << w;
  }
  EXPECT_EQ(owners, layer_nodes);
}

class ZooShapes : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooShapes, ForwardAndGraphFitEveryInputShape) {
  const std::string& model = GetParam();
  for (const auto& s : shapes_for(model)) {
    SCOPED_TRACE(std::to_string(s.channels) + "x" + std::to_string(s.side) + "x" + std::to_string(s.side) + ", " +
                 std::to_string(s.classes) + " classes");
    auto net = build(model, s);
    net->eval();
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      y = net->forward(torch::randn({2, s.channels, s.side, s.side}));
    }
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, s.classes}));
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());

    const auto g = net->describe({s.channels, s.side, s.side});
    EXPECT_EQ(format::Graph::from_json(g.to_json()).nodes.size(), g.nodes.size());
    EXPECT_EQ(infer_shapes(g).at(g.output), (ActivationShape{s.classes}));
    expect_graph_names_every_tensor(*net, g);
  }
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooShapes, ::testing::ValuesIn(model_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

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
