// Ternary Weight Networks (Li & Liu 2016): one threshold and one scale per layer,
// both computed from the weight (nothing learned besides the latent weight).
//   Δ = 0.7 · mean|w|,   α = mean of |w| over {|w| > Δ},
//   w_t = α · sign(w) · [|w| > Δ]   (a weight with |w| exactly Δ is zero),
// gradient to the latent weight: straight through (∂L/∂w = ∂L/∂w_t), with Δ and
// α treated as constants, as in the paper's training algorithm.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// Δ and α of one weight tensor, as 0-d tensors on its device (no host sync).
// α is 0 when no weight exceeds Δ (an all-zero layer).
struct TWNScale {
  torch::Tensor delta, alpha;
};
TWNScale twn_scale(const torch::Tensor& latent);

class TWNQuantizerImpl : public WeightQuantizerImpl {
 public:
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "twn"; }
  double bits_per_weight() const override { return 2.0; }
  // 2-bit codes plus the fp32 α.
  int64_t packed_bytes(const torch::Tensor& latent) override;
  // delta, alpha, sparsity, counts {positive, zero, negative, total}.
  nlohmann::json stats(const torch::Tensor& latent) override;
};
TORCH_MODULE(TWNQuantizer);

}  // namespace ttq::train
