// describe() is faithful: a reference executor walking the graph with the
// model's own tensors reproduces forward() in eval mode. The exporter and the
// runtime rely on exactly this.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "graph_reference.h"
#include "train/models/model_zoo.h"

namespace ttq::train {
namespace {

void expect_graph_matches_forward(const std::string& name, ModelOptions o) {
  SCOPED_TRACE(name);
  torch::manual_seed(7);
  auto net = make_model(name, o);
  graph_ref::randomize_batch_norms(*net);
  net->eval();
  const auto x = torch::randn({2, o.in_channels, o.height, o.width});
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->forward(x);
  }
  const auto graph = net->describe(o.input_shape());
  const auto actual = graph_ref::run_graph(graph, graph_ref::state_tensors(*net), x);
  ASSERT_EQ(actual.sizes(), expected.sizes());
  // Relative to the logits' size: float32 rounding differs between the two
  // paths by ~1e-7 of it; a wrong node changes the logits by far more than 1e-4.
  const double scale = expected.abs().max().item<double>();
  ASSERT_GT(scale, 1e-3) << "degenerate logits prove nothing";
  EXPECT_LT((actual - expected).abs().max().item<double>(), 1e-4 * scale);
}

ModelOptions shape(int64_t c, int64_t side, int64_t classes) {
  ModelOptions o;
  o.in_channels = c;
  o.height = o.width = side;
  o.num_classes = classes;
  return o;
}

TEST(GraphFaithful, ResNet20) { expect_graph_matches_forward("resnet20", shape(3, 32, 10)); }

TEST(GraphFaithful, ResNet18SmallInput) { expect_graph_matches_forward("resnet18", shape(3, 32, 10)); }

TEST(GraphFaithful, ResNet18StandardStem) {
  auto o = shape(1, 64, 10);
  o.small_input = false;  // 7x7/2 conv + max-pool
  expect_graph_matches_forward("resnet18", o);
}

TEST(GraphFaithful, DenseNetSmall) { expect_graph_matches_forward("densenet_small", shape(3, 32, 10)); }

TEST(GraphFaithful, SqueezeNetBn) { expect_graph_matches_forward("squeezenet_bn", shape(3, 32, 10)); }

TEST(GraphFaithful, AlexNetBn) {
  expect_graph_matches_forward("alexnet_bn", shape(1, 28, 10));
  auto o = shape(3, 96, 10);  // standard stem; final map 2x2, no 6x6 pool
  expect_graph_matches_forward("alexnet_bn", o);
}

TEST(GraphFaithful, NonSquareInput) {
  ModelOptions o = shape(3, 32, 10);
  o.width = 48;
  expect_graph_matches_forward("resnet20", o);
  expect_graph_matches_forward("alexnet_bn", o);
}

}  // namespace
}  // namespace ttq::train
