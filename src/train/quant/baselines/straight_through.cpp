#include "train/quant/baselines/straight_through.h"

#include <torch/torch.h>

namespace ttq::train {

torch::Tensor straight_through(const torch::Tensor& latent, const torch::Tensor& quantized, const torch::Tensor& pass) {
  TORCH_CHECK(latent.sizes() == quantized.sizes(), "straight_through: quantized tensor has another shape");
  TORCH_CHECK(!pass.defined() || pass.sizes() == latent.sizes(), "straight_through: mask has another shape");
  return StraightThroughFunction::apply(latent, quantized.detach(), PassMask{pass.defined() ? pass.detach() : pass});
}

torch::Tensor round_ste(const torch::Tensor& x) {
  torch::Tensor rounded;
  {
    torch::NoGradGuard no_grad;
    rounded = x.round();
  }
  return straight_through(x, rounded);
}

torch::Tensor StraightThroughFunction::forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent,
                                               const torch::Tensor& quantized, const PassMask& mask) {
  ctx->saved_data["has_mask"] = mask.pass.defined();
  if (mask.pass.defined()) ctx->saved_data["pass"] = mask.pass;
  // A fresh tensor: returning an input as-is would alias it in the autograd graph.
  return quantized.clone();
}

torch::autograd::variable_list StraightThroughFunction::backward(torch::autograd::AutogradContext* ctx,
                                                                 torch::autograd::variable_list grad_outputs) {
  const torch::Tensor& g = grad_outputs[0];
  torch::Tensor grad_latent = g;
  if (ctx->saved_data["has_mask"].toBool()) {
    const torch::Tensor pass = ctx->saved_data["pass"].toTensor();
    grad_latent = torch::where(pass, g, torch::zeros({}, g.options()));
  }
  return {grad_latent, torch::Tensor(), torch::Tensor()};  // the mask slot is ignored
}

}  // namespace ttq::train
