// Deep Compression stage 1: magnitude pruning (Han et al. 2016). The mask is computed
// once, when the quantizer is attached, from the layer's latent weights, and kept as the
// buffer "mask" so checkpoints hold it; forward is w * mask.
//
// attach_compression_method() also zeroes the pruned latent weights at attach time.
// They then stay exactly 0 while retraining: their gradient is g * 0 = 0, weight decay
// adds wd * 0 and momentum / Adam moments stay 0. So a prune checkpoint's latent
// weights are exactly zero where pruned, which is how the k-means stage (which starts
// from that checkpoint without the prune quantizer) recognises them.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// 1 where kept, 0 for the k = floor(fraction * n + 0.5) weights of smallest |w|
// (ties broken by position, so the count is exact). fraction in [0, 1].
torch::Tensor magnitude_prune_mask(const torch::Tensor& latent, double fraction);

class PruneQuantizerImpl : public WeightQuantizerImpl {
 public:
  PruneQuantizerImpl(const torch::Tensor& latent, double fraction);
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "prune"; }
  nlohmann::json stats(const torch::Tensor& latent) override;
  // The intermediate stage stores survivors as fp32 with an 8-bit relative index
  // (the paper's CSR); exact coding comes with the k-means stage.
  double bits_per_weight() const override;
  int64_t packed_bytes(const torch::Tensor& latent) override;

  double fraction;
  torch::Tensor mask;  // float, the weight's shape
};
TORCH_MODULE(PruneQuantizer);

}  // namespace ttq::train
