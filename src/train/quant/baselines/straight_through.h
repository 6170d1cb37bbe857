// The straight-through estimator (STE) shared by the survey baselines: the forward
// pass returns an already quantized tensor, the backward pass hands the incoming
// gradient to the latent tensor unchanged, or only where a mask says it passes
// (the "clipped" STE: zero gradient where the quantizer saturates).
#pragma once

#include <torch/csrc/autograd/custom_function.h>

namespace ttq::train {

// Value: `quantized` (computed from `latent` outside autograd, same shape).
// Gradient to `latent`: g where `pass` is true, 0 elsewhere; g everywhere when
// `pass` is undefined. No gradient flows to `quantized` or `pass`.
torch::Tensor straight_through(const torch::Tensor& latent, const torch::Tensor& quantized,
                               const torch::Tensor& pass = torch::Tensor());

// round(x) in the forward pass, identity in the backward pass (DoReFa's quantize_k).
torch::Tensor round_ste(const torch::Tensor& x);

// Where the gradient passes (undefined: everywhere). A struct, not a tensor argument,
// so that autograd does not treat the (possibly undefined) mask as an input.
struct PassMask {
  torch::Tensor pass;
};

class StraightThroughFunction : public torch::autograd::Function<StraightThroughFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent,
                               const torch::Tensor& quantized, const PassMask& mask);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs);
};

}  // namespace ttq::train
