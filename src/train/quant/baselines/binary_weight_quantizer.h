// Binary weights, BWN of XNOR-Net (Rastegari et al. 2016): per output channel c
// (conv filter / linear row) with n weights,
//   α_c = mean|w_c|  (= ‖w_c‖₁ / n),   w_b = α_c · sign(w)   with sign(0) = +1,
// so every weight of a channel is ±α_c.
// Gradient: the derivative of w_b = α_c(w) · sign(w) that XNOR-Net gives (its
// section 3.1, and the authors' Torch code), with the sign's STE clipped to |w| ≤ 1:
//   ∂L/∂w_i = α_c · g_i · [|w_i| ≤ 1]  +  sign(w_i) / n · Σ_{j∈c} g_j · sign(w_j)
// (the second term is α_c's own dependence on w). g = ∂L/∂w_b.
#pragma once

#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// α per output channel, shape [out_channels] (detached).
torch::Tensor binary_channel_scale(const torch::Tensor& latent);

// α_c · sign(w) with the gradient above.
torch::Tensor binarize_per_channel(const torch::Tensor& latent);

class BinaryWeightFunction : public torch::autograd::Function<BinaryWeightFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs);
};

class BinaryWeightQuantizerImpl : public WeightQuantizerImpl {
 public:
  torch::Tensor forward(const torch::Tensor& latent) override { return binarize_per_channel(latent); }
  std::string kind() const override { return "bwn"; }
  double bits_per_weight() const override { return 1.0; }
  // 1-bit signs plus one fp32 α per output channel.
  int64_t packed_bytes(const torch::Tensor& latent) override;
  // alpha_mean, alpha_min, alpha_max, channels.
  nlohmann::json stats(const torch::Tensor& latent) override;
};
TORCH_MODULE(BinaryWeightQuantizer);

}  // namespace ttq::train
