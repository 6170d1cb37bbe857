#include "train/quant/baselines/int8_weight_fake_quant.h"

#include <torch/torch.h>

#include "train/quant/baselines/straight_through.h"

namespace ttq::train {
namespace {

constexpr double kMaxCode = 127.0;

// The per-channel scale broadcast against the weight: [out, 1, 1, ...].
torch::Tensor broadcastable(const torch::Tensor& scale, const torch::Tensor& w) {
  std::vector<int64_t> shape(size_t(w.dim()), 1);
  shape[0] = w.size(0);
  return scale.reshape(shape);
}

}  // namespace

torch::Tensor int8_channel_scale(const torch::Tensor& latent) {
  TORCH_CHECK(latent.dim() >= 1 && latent.numel() > 0, "int8_channel_scale: empty weight");
  torch::NoGradGuard no_grad;
  return std::get<0>(latent.detach().abs().reshape({latent.size(0), -1}).max(1)).clamp_min(1e-12) / kMaxCode;
}

torch::Tensor fake_quant_int8_per_channel(const torch::Tensor& latent, const torch::Tensor& scale) {
  torch::Tensor quantized, inside;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor s = broadcastable(scale.detach(), latent);
    const torch::Tensor codes = (latent.detach() / s).round();
    inside = codes.abs() <= kMaxCode;
    quantized = codes.clamp(-kMaxCode, kMaxCode) * s;
  }
  return straight_through(latent, quantized, inside);
}

torch::Tensor Int8WeightFakeQuantImpl::forward(const torch::Tensor& latent) {
  return fake_quant_int8_per_channel(latent, int8_channel_scale(latent));
}

int64_t Int8WeightFakeQuantImpl::packed_bytes(const torch::Tensor& latent) { return latent.numel() + 4 * latent.size(0); }

nlohmann::json Int8WeightFakeQuantImpl::stats(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  const torch::Tensor scale = int8_channel_scale(latent);
  const torch::Tensor q = forward(latent);
  return {{"scale_min", scale.min().item<double>()},
          {"scale_max", scale.max().item<double>()},
          {"channels", scale.numel()},
          {"sparsity", double((q == 0).sum().item<int64_t>()) / double(q.numel())}};
}

}  // namespace ttq::train
