// DoReFa-Net k-bit weights (Zhou et al. 2016, eq. 9 and section 2.3), per layer:
//   quantize_k(r) = round((2^k − 1)·r) / (2^k − 1)          for r ∈ [0, 1]
//   k ≥ 2:  w_q = 2 · quantize_k( tanh(w) / (2·max|tanh(w)|) + ½ ) − 1
//           (2^k levels evenly spaced in [−1, 1]); round has a straight-through
//           gradient, tanh and the max are differentiated (the max as autograd
//           does, through the arg-max weight), as the authors' TensorFlow code does.
//   k = 1:  w_q = sign(w) · E with E = mean|w| over the layer, sign(0) = +1;
//           E is a constant for the gradient and sign passes it straight through.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// round((2^k − 1)·r) / (2^k − 1) with a straight-through gradient (k ≥ 1).
torch::Tensor dorefa_quantize_k(const torch::Tensor& r, int bits);

// Throws ArgumentError unless 1 ≤ bits ≤ 16; `what` names the flag in the message.
void validate_dorefa_bits(int bits, const std::string& what);

class DoReFaWeightQuantizerImpl : public WeightQuantizerImpl {
 public:
  explicit DoReFaWeightQuantizerImpl(int bits);
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "dorefa"; }
  double bits_per_weight() const override { return double(bits_); }
  // k-bit codes; k = 1 adds its fp32 E. For k ≥ 2 the levels are fixed in [−1, 1].
  int64_t packed_bytes(const torch::Tensor& latent) override;
  // bits, levels_used, sparsity (no DoReFa level is 0, so 0 unless a layer is all zero).
  nlohmann::json stats(const torch::Tensor& latent) override;
  int bits() const { return bits_; }

 private:
  int bits_;
};
TORCH_MODULE(DoReFaWeightQuantizer);

}  // namespace ttq::train
