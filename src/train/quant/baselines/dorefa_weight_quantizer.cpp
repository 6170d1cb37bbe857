#include "train/quant/baselines/dorefa_weight_quantizer.h"

#include <torch/torch.h>

#include "common/error.h"
#include "train/quant/baselines/straight_through.h"

namespace ttq::train {

void validate_dorefa_bits(int bits, const std::string& what) {
  if (bits < 1 || bits > 16)
    throw ArgumentError("DoReFa " + what + " = " + std::to_string(bits) + " is outside [1, 16]",
                        "the DoReFa paper uses 1, 2, 4 or 8 bits");
}

torch::Tensor dorefa_quantize_k(const torch::Tensor& r, int bits) {
  TORCH_CHECK(bits >= 1 && bits <= 16, "dorefa_quantize_k: bits out of range");
  const double n = double((1 << bits) - 1);
  return round_ste(r * n) / n;
}

DoReFaWeightQuantizerImpl::DoReFaWeightQuantizerImpl(int bits) : bits_(bits) { validate_dorefa_bits(bits, "--weight-bits"); }

torch::Tensor DoReFaWeightQuantizerImpl::forward(const torch::Tensor& latent) {
  if (bits_ == 1) {
    torch::Tensor binary;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor w = latent.detach();
      const torch::Tensor e = w.abs().mean();
      binary = torch::where(w >= 0, e, -e);
    }
    return straight_through(latent, binary);
  }
  const torch::Tensor t = torch::tanh(latent);
  // An all-zero layer has max|tanh| = 0; the floor keeps r = ½ there instead of 0/0.
  const torch::Tensor r = t / (2 * t.abs().max().clamp_min(1e-12)) + 0.5;
  return 2 * dorefa_quantize_k(r, bits_) - 1;
}

int64_t DoReFaWeightQuantizerImpl::packed_bytes(const torch::Tensor& latent) {
  return (latent.numel() * bits_ + 7) / 8 + (bits_ == 1 ? 4 : 0);
}

nlohmann::json DoReFaWeightQuantizerImpl::stats(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  const torch::Tensor q = forward(latent);
  const int64_t levels = std::get<0>(torch::_unique(q.flatten())).numel();
  return {{"bits", bits_},
          {"levels_used", levels},
          {"sparsity", double((q == 0).sum().item<int64_t>()) / double(q.numel())}};
}

}  // namespace ttq::train
