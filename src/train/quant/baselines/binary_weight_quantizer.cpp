#include "train/quant/baselines/binary_weight_quantizer.h"

#include <torch/torch.h>

namespace ttq::train {
namespace {

// sign with sign(0) = +1, so a binary weight is never 0.
torch::Tensor binary_sign(const torch::Tensor& w) {
  return torch::where(w >= 0, torch::ones({}, w.options()), -torch::ones({}, w.options()));
}

// The weight as [out_channels, weights per channel].
torch::Tensor rows(const torch::Tensor& w) {
  TORCH_CHECK(w.dim() >= 1 && w.numel() > 0, "binary weights: empty weight");
  return w.reshape({w.size(0), -1});
}

}  // namespace

torch::Tensor binary_channel_scale(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  return rows(latent.detach()).abs().mean(1);
}

torch::Tensor binarize_per_channel(const torch::Tensor& latent) { return BinaryWeightFunction::apply(latent); }

torch::Tensor BinaryWeightFunction::forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent) {
  const torch::Tensor alpha = binary_channel_scale(latent);
  ctx->save_for_backward({latent, alpha});
  return (rows(binary_sign(latent)) * alpha.unsqueeze(1)).reshape(latent.sizes());
}

torch::autograd::variable_list BinaryWeightFunction::backward(torch::autograd::AutogradContext* ctx,
                                                              torch::autograd::variable_list grad_outputs) {
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor w = rows(saved[0]), alpha = saved[1].unsqueeze(1);
  const torch::Tensor g = rows(grad_outputs[0]);
  const torch::Tensor s = binary_sign(w);
  const double n = double(w.size(1));
  const torch::Tensor through_sign = torch::where(w.abs() <= 1, alpha * g, torch::zeros({}, g.options()));
  const torch::Tensor through_alpha = s * (g * s).sum(1, /*keepdim=*/true) / n;
  return {(through_sign + through_alpha).reshape(saved[0].sizes())};
}

int64_t BinaryWeightQuantizerImpl::packed_bytes(const torch::Tensor& latent) {
  return (latent.numel() + 7) / 8 + 4 * latent.size(0);
}

nlohmann::json BinaryWeightQuantizerImpl::stats(const torch::Tensor& latent) {
  const torch::Tensor alpha = binary_channel_scale(latent);
  return {{"alpha_mean", alpha.mean().item<double>()},
          {"alpha_min", alpha.min().item<double>()},
          {"alpha_max", alpha.max().item<double>()},
          {"channels", alpha.numel()},
          {"sparsity", 0.0}};
}

}  // namespace ttq::train
