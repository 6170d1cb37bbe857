// The same ternarization on CUDA: forward, gradients and codes equal the CPU's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/quant/ttq_quantizer.h"

namespace ttq::train {
namespace {

struct Result {
  torch::Tensor out, grad_latent, grad_wp, grad_wn, codes;
};

Result run(const torch::Tensor& latent0, const torch::Tensor& c0, const TernaryThreshold& th, torch::Device device) {
  auto latent = latent0.to(device).requires_grad_(true);
  auto wp = torch::full({1}, 0.8, latent0.options().device(device).requires_grad(true));
  auto wn = torch::full({1}, 1.2, latent0.options().device(device).requires_grad(true));
  const auto out = ternarize(latent, wp, wn, th);
  (torch::sin(out) * c0.to(device)).sum().backward();
  return {out.detach().cpu(), latent.grad().cpu(), wp.grad().cpu(), wn.grad().cpu(),
          ternary_codes(ternary_masks(latent.detach(), th)).cpu()};
}

TEST(TtqCuda, MatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(9);
  const auto latent = torch::randn({64, 32, 3, 3}, torch::kFloat64);
  const auto c = torch::randn({64, 32, 3, 3}, torch::kFloat64);
  for (const TernaryThreshold& th : {TernaryThreshold{ThresholdMode::t, 0.05, 0}, TernaryThreshold{ThresholdMode::sparsity, 0, 0.4}}) {
    const Result cpu = run(latent, c, th, torch::kCPU);
    const Result gpu = run(latent, c, th, torch::Device(torch::kCUDA, 0));
    EXPECT_TRUE(torch::equal(cpu.codes, gpu.codes));
    EXPECT_TRUE(torch::equal(cpu.out, gpu.out));
    EXPECT_TRUE(torch::allclose(cpu.grad_latent, gpu.grad_latent, 1e-12, 1e-12));
    EXPECT_TRUE(torch::allclose(cpu.grad_wp, gpu.grad_wp, 1e-10, 1e-10));
    EXPECT_TRUE(torch::allclose(cpu.grad_wn, gpu.grad_wn, 1e-10, 1e-10));
  }
}

TEST(TtqCuda, QuantizerLivesOnTheWeightsDevice) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto w = torch::randn({16, 16}, torch::Device(torch::kCUDA, 0));
  TTQOptions o;
  o.init = ScaleInit::data;
  o.threshold = {ThresholdMode::sparsity, 0, 0.5};
  TTQQuantizerImpl q(o, w);
  EXPECT_TRUE(q.wp.is_cuda());
  EXPECT_TRUE(q.forward(w).is_cuda());
  EXPECT_EQ(q.stats(w)["counts"]["zero"].get<int64_t>(), 128);
  q.constrain();
  EXPECT_TRUE(q.codes(w).is_cuda());
}

}  // namespace
}  // namespace ttq::train
