#include "train/quant/baselines/twn_quantizer.h"

#include <torch/torch.h>

#include "train/quant/baselines/straight_through.h"

namespace ttq::train {

TWNScale twn_scale(const torch::Tensor& latent) {
  TORCH_CHECK(latent.numel() > 0, "twn_scale: empty weight");
  torch::NoGradGuard no_grad;
  const torch::Tensor a = latent.detach().abs();
  const torch::Tensor delta = 0.7 * a.mean();
  const torch::Tensor kept = a > delta;
  const torch::Tensor count = kept.sum().to(a.scalar_type());
  const torch::Tensor sum = torch::where(kept, a, torch::zeros({}, a.options())).sum();
  return {delta, sum / count.clamp_min(1)};  // count 0 gives sum 0, so α = 0
}

torch::Tensor TWNQuantizerImpl::forward(const torch::Tensor& latent) {
  torch::Tensor ternary;
  {
    torch::NoGradGuard no_grad;
    const TWNScale s = twn_scale(latent);
    const torch::Tensor w = latent.detach();
    ternary = (w > s.delta).to(w.scalar_type()) * s.alpha - (w < -s.delta).to(w.scalar_type()) * s.alpha;
  }
  return straight_through(latent, ternary);
}

int64_t TWNQuantizerImpl::packed_bytes(const torch::Tensor& latent) { return (latent.numel() * 2 + 7) / 8 + 4; }

nlohmann::json TWNQuantizerImpl::stats(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  const TWNScale s = twn_scale(latent);
  const torch::Tensor w = latent.detach();
  const int64_t total = w.numel();
  const int64_t positive = (w > s.delta).sum().item<int64_t>();
  const int64_t negative = (w < -s.delta).sum().item<int64_t>();
  const int64_t zero = total - positive - negative;
  return {{"delta", s.delta.item<double>()},
          {"alpha", s.alpha.item<double>()},
          {"sparsity", double(zero) / double(total)},
          {"counts", {{"positive", positive}, {"zero", zero}, {"negative", negative}, {"total", total}}}};
}

}  // namespace ttq::train
