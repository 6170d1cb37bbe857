// DoReFa-Net k-bit activations (Zhou et al. 2016, eq. 11), applied to the input of
// a quantized layer:  x_q = quantize_k(clip(x, 0, 1)).
// Gradient: straight through where 0 ≤ x ≤ 1, zero where the clip saturates.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// quantize_k(clip(x, 0, 1)) with the gradient above.
torch::Tensor dorefa_quantize_activation(const torch::Tensor& x, int bits);

class DoReFaActivationQuantizerImpl : public ActivationQuantizerImpl {
 public:
  explicit DoReFaActivationQuantizerImpl(int bits);  // ArgumentError unless 1 ≤ bits ≤ 16
  torch::Tensor forward(const torch::Tensor& x) override { return dorefa_quantize_activation(x, bits_); }
  std::string kind() const override { return "dorefa"; }
  int bits() const { return bits_; }

 private:
  int bits_;
};
TORCH_MODULE(DoReFaActivationQuantizer);

}  // namespace ttq::train
