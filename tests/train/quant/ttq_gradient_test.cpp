// Gradients: finite differences in double prove ∂L/∂Wp and ∂L/∂Wn (the sign of
// Wn's included); the latent gradient is eq. 3 exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "train/quant/ttq_function.h"

namespace ttq::train {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

struct Case {
  torch::Tensor latent, c;
  TernaryThreshold threshold;
};

using Loss = std::function<torch::Tensor(const torch::Tensor& w_t, const torch::Tensor& c)>;

torch::Tensor linear_loss(const torch::Tensor& w_t, const torch::Tensor& c) { return (c * w_t).sum(); }
torch::Tensor sine_loss(const torch::Tensor& w_t, const torch::Tensor& c) { return (torch::sin(w_t) * c).sum(); }

double loss_at(const Case& k, const Loss& loss, double wp, double wn) {
  torch::NoGradGuard no_grad;
  const auto w_t = ternarize(k.latent, torch::full({1}, wp, kDouble), torch::full({1}, wn, kDouble), k.threshold);
  return loss(w_t, k.c).item<double>();
}

struct Grads {
  double wp, wn;
};

Grads autograd_grads(const Case& k, const Loss& loss, double wp, double wn, WnGradSign sign) {
  auto p = torch::full({1}, wp, kDouble.requires_grad(true));
  auto n = torch::full({1}, wn, kDouble.requires_grad(true));
  auto latent = k.latent.clone().requires_grad_(true);
  loss(ternarize(latent, p, n, k.threshold, sign), k.c).backward();
  return {p.grad().item<double>(), n.grad().item<double>()};
}

// The ternary pattern does not depend on wp, wn: central differences are exact
// for the linear loss and O(h²) for the sine loss.
Grads finite_difference(const Case& k, const Loss& loss, double wp, double wn) {
  const double h = 1e-6;
  return {(loss_at(k, loss, wp + h, wn) - loss_at(k, loss, wp - h, wn)) / (2 * h),
          (loss_at(k, loss, wp, wn + h) - loss_at(k, loss, wp, wn - h)) / (2 * h)};
}

std::vector<Case> cases() {
  torch::manual_seed(2024);
  std::vector<Case> out;
  for (auto th : {TernaryThreshold{ThresholdMode::t, 0.05, 0}, TernaryThreshold{ThresholdMode::t, 0.4, 0},
                  TernaryThreshold{ThresholdMode::sparsity, 0, 0.5}}) {
    const auto latent = torch::randn({8, 3, 3, 3}, kDouble) * 0.1;
    out.push_back({latent, torch::randn({8, 3, 3, 3}, kDouble), th});
  }
  return out;
}

TEST(TtqGradient, ScaleGradientsMatchFiniteDifferences) {
  for (const Loss& loss : {Loss(linear_loss), Loss(sine_loss)}) {
    for (const Case& k : cases()) {
      const double wp = 0.7, wn = 1.3;
      const Grads fd = finite_difference(k, loss, wp, wn);
      const Grads ag = autograd_grads(k, loss, wp, wn, WnGradSign::chain_rule);
      ASSERT_GT(std::abs(fd.wn), 1e-3) << "degenerate case: the sign test would prove nothing";
      EXPECT_NEAR(ag.wp, fd.wp, 1e-7 * (1 + std::abs(fd.wp)));
      EXPECT_NEAR(ag.wn, fd.wn, 1e-7 * (1 + std::abs(fd.wn)));
    }
  }
}

TEST(TtqGradient, PaperSignIsExactlyTheNegatedWnGradient) {
  for (const Loss& loss : {Loss(linear_loss), Loss(sine_loss)}) {
    for (const Case& k : cases()) {
      const Grads truth = autograd_grads(k, loss, 0.7, 1.3, WnGradSign::chain_rule);
      const Grads paper = autograd_grads(k, loss, 0.7, 1.3, WnGradSign::paper);
      EXPECT_EQ(paper.wp, truth.wp);
      EXPECT_EQ(paper.wn, -truth.wn);
      const Grads fd = finite_difference(k, loss, 0.7, 1.3);
      EXPECT_GT(std::abs(paper.wn - fd.wn), 1e-3);  // the printed sign is not the gradient
    }
  }
}

TEST(TtqGradient, ScaleGradientsAreSumsOverTheIndexSets) {
  const Case k = cases()[0];
  const auto m = ternary_masks(k.latent, k.threshold);
  const Grads ag = autograd_grads(k, Loss(linear_loss), 0.7, 1.3, WnGradSign::chain_rule);
  EXPECT_NEAR(ag.wp, k.c.masked_select(m.pos).sum().item<double>(), 1e-12);
  EXPECT_NEAR(ag.wn, -k.c.masked_select(m.neg).sum().item<double>(), 1e-12);
}

TEST(TtqGradient, LatentGradientIsEquationThreeExactly) {
  // max|w| = 2, w̃ = [0.5, -1, 0.02, -0.04, 0.05, 0.9, -0.05, 0], t = 0.05.
  const auto latent = torch::tensor({1.0f, -2.0f, 0.04f, -0.08f, 0.1f, 1.8f, -0.1f, 0.0f}).requires_grad_(true);
  const auto wp = torch::tensor({0.75f}).requires_grad_(true);
  const auto wn = torch::tensor({1.25f}).requires_grad_(true);
  const auto g = torch::tensor({0.3f, -0.7f, 1.1f, 0.9f, -1.7f, 2.3f, 0.13f, -0.4f});
  (ternarize(latent, wp, wn, {ThresholdMode::t, 0.05, 0}) * g).sum().backward();
  // wp·g on I_p, wn·g on I_n, 1·g elsewhere (ties at Δ included); no 1/max|w| factor.
  const auto factor = torch::tensor({0.75f, 1.25f, 1.0f, 1.0f, 1.0f, 0.75f, 1.0f, 1.0f});
  EXPECT_TRUE(torch::equal(latent.grad(), g * factor)) << latent.grad();
  EXPECT_FLOAT_EQ(wp.grad().item<float>(), 0.3f + 2.3f);
  EXPECT_FLOAT_EQ(wn.grad().item<float>(), 0.7f);  // −(−0.7)
}

TEST(TtqGradient, NoGradientWhenNothingRequiresIt) {
  const auto latent = torch::randn({5});
  const auto out = ternarize(latent, torch::ones({1}), torch::ones({1}), {});
  EXPECT_FALSE(out.requires_grad());
}

}  // namespace
}  // namespace ttq::train
