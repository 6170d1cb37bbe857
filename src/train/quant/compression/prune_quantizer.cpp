#include "train/quant/compression/prune_quantizer.h"

#include <torch/torch.h>

#include <cmath>

#include "common/error.h"

namespace ttq::train {

torch::Tensor magnitude_prune_mask(const torch::Tensor& latent, double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw ArgumentError("prune fraction " + std::to_string(fraction) + " is outside [0, 1]", "use e.g. --prune 0.5");
  torch::NoGradGuard no_grad;
  const int64_t n = latent.numel();
  const int64_t k = std::min<int64_t>(n, int64_t(std::floor(fraction * double(n) + 0.5)));
  torch::Tensor mask = torch::ones({n}, latent.options().dtype(torch::kFloat32));
  if (k > 0) {
    const torch::Tensor order = std::get<1>(latent.detach().abs().flatten().to(torch::kCPU).sort(/*stable=*/true, 0, false));
    mask.index_fill_(0, order.narrow(0, 0, k).to(mask.device()), 0.0);
  }
  return mask.view(latent.sizes());
}

PruneQuantizerImpl::PruneQuantizerImpl(const torch::Tensor& latent, double f) : fraction(f) {
  mask = register_buffer("mask", magnitude_prune_mask(latent, f));
}

torch::Tensor PruneQuantizerImpl::forward(const torch::Tensor& latent) { return latent * mask; }

nlohmann::json PruneQuantizerImpl::stats(const torch::Tensor&) {
  const int64_t kept = mask.sum().item<int64_t>();
  return {{"kind", "prune"}, {"prune_fraction", fraction}, {"kept", kept}, {"total", mask.numel()},
          {"sparsity", mask.numel() ? 1.0 - double(kept) / double(mask.numel()) : 0.0}};
}

double PruneQuantizerImpl::bits_per_weight() const {
  const int64_t n = mask.numel();
  return n ? 40.0 * mask.sum().item<double>() / double(n) : 0.0;
}

int64_t PruneQuantizerImpl::packed_bytes(const torch::Tensor&) { return 5 * mask.sum().item<int64_t>(); }

}  // namespace ttq::train
