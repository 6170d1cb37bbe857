// End to end: an fp32-pretrained two-layer net is TTQ fine-tuned on a separable
// problem; the loss falls and the learned scales move.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

#include "train/quant/apply_quantization.h"

namespace ttq::train {
namespace {

struct TwoLayerImpl : torch::nn::Module {
  TwoLayerImpl() {
    fc1 = register_module("fc1", QLinear(8, 32));
    fc2 = register_module("fc2", QLinear(32, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2->forward(torch::relu(fc1->forward(x))); }
  QLinear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TwoLayer);

TEST(TtqTraining, FineTuningLowersTheLossAndMovesTheScales) {
  torch::manual_seed(5);
  const auto x = torch::randn({512, 8});
  const auto direction = torch::randn({8});
  const auto y = (x.matmul(direction) > 0).to(torch::kLong);
  TwoLayer net;

  auto train = [&](int steps, double lr) {
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr));
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(x), y).backward();
      opt.step();
      constrain_quantizers(*net);
    }
  };
  auto loss_now = [&] {
    torch::NoGradGuard no_grad;
    return torch::nn::functional::cross_entropy(net->forward(x), y).item<double>();
  };
  auto accuracy = [&] {
    torch::NoGradGuard no_grad;
    return (net->forward(x).argmax(1) == y).to(torch::kFloat).mean().item<double>();
  };

  train(150, 1e-2);  // fp32 pretraining
  const double fp32_accuracy = accuracy();
  ASSERT_GT(fp32_accuracy, 0.95);

  QuantSelection both;
  both.quantize_last_fc = true;  // so both layers are ternary
  ASSERT_EQ(attach_ttq(*net, both, TTQOptions{}).size(), 2u);
  auto& q1 = dynamic_cast<TTQQuantizerImpl&>(*net->fc1->quantizer());
  const float wp0 = q1.wp.item<float>(), wn0 = q1.wn.item<float>();
  const double ttq_start = loss_now();

  train(150, 1e-2);
  const double ttq_end = loss_now();
  std::printf("fp32 accuracy %.3f; TTQ loss %.4f -> %.4f, accuracy %.3f; fc1 wp %.3f -> %.3f, wn %.3f -> %.3f\n",
              fp32_accuracy, ttq_start, ttq_end, accuracy(), wp0, q1.wp.item<float>(), wn0, q1.wn.item<float>());
  EXPECT_LT(ttq_end, 0.7 * ttq_start) << "start " << ttq_start << " end " << ttq_end;
  EXPECT_GT(accuracy(), 0.9);
  EXPECT_NE(q1.wp.item<float>(), wp0);
  EXPECT_NE(q1.wn.item<float>(), wn0);
  EXPECT_GT(q1.wp.item<float>(), 0.0f);
  EXPECT_GT(q1.wn.item<float>(), 0.0f);
  // The weights the net computes with are really ternary.
  const auto codes = q1.codes(net->fc1->weight);
  EXPECT_TRUE(torch::equal(net->fc1->effective_weight().detach(),
                           (codes == 1).to(torch::kFloat) * q1.wp.detach() - (codes == -1).to(torch::kFloat) * q1.wn.detach()));
}

}  // namespace
}  // namespace ttq::train
