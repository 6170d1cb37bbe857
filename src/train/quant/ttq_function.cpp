#include "train/quant/ttq_function.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "common/error.h"

namespace ttq::train {

void validate(const TernaryThreshold& th) {
  auto in_unit = [](double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; };
  if (th.mode == ThresholdMode::t && !in_unit(th.t))
    throw ArgumentError("TTQ threshold factor t = " + std::to_string(th.t) + " is outside [0, 1]",
                        "the paper uses t = 0.05 (Δ = t·max|w̃|)");
  if (th.mode == ThresholdMode::sparsity && !in_unit(th.sparsity))
    throw ArgumentError("TTQ sparsity r = " + std::to_string(th.sparsity) + " is outside [0, 1]",
                        "r is the fraction of weights set to zero; the paper sweeps 0 to 0.5");
}

torch::Tensor normalized_weight(const torch::Tensor& latent) {
  TORCH_CHECK(latent.numel() > 0, "normalized_weight: empty weight");
  const torch::Tensor w = latent.detach();
  // An all-zero weight would give 0/0; dividing by the smallest normal float
  // instead keeps w̃ = 0, so every weight of such a layer is zero.
  return w / w.abs().max().clamp_min(std::numeric_limits<float>::min());
}

TernaryMasks ternary_masks(const torch::Tensor& latent, const TernaryThreshold& th) {
  validate(th);
  const torch::Tensor w_norm = normalized_weight(latent);
  const torch::Tensor abs_norm = w_norm.abs();

  torch::Tensor delta;
  if (th.mode == ThresholdMode::t) {
    delta = abs_norm.max() * th.t;  // t · max|w̃|: t itself unless the weight is all zero
  } else {
    const int64_t n = abs_norm.numel();
    const int64_t k = static_cast<int64_t>(std::floor(th.sparsity * double(n) + 0.5));
    // k = 0: Δ = 0, so only weights that are exactly 0 (they have no sign) are zero.
    // k ≥ 1: the k-th smallest |w̃|; weights tied with it are zero too (|w̃| ≤ Δ).
    delta = k == 0 ? torch::zeros({}, abs_norm.options())
                   : std::get<0>(abs_norm.reshape({-1}).kthvalue(std::min(k, n)));
  }
  return {w_norm > delta, w_norm < -delta, delta};
}

torch::Tensor ternary_codes(const TernaryMasks& m) { return m.pos.to(torch::kInt8) - m.neg.to(torch::kInt8); }

torch::Tensor ternarize(const torch::Tensor& latent, const torch::Tensor& wp, const torch::Tensor& wn,
                        const TernaryThreshold& threshold, WnGradSign wn_sign) {
  return TernarizeFunction::apply(latent, wp, wn, threshold, wn_sign);
}

torch::Tensor TernarizeFunction::forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent,
                                         const torch::Tensor& wp, const torch::Tensor& wn,
                                         const TernaryThreshold& threshold, WnGradSign wn_sign) {
  TORCH_CHECK(wp.numel() == 1 && wn.numel() == 1, "ternarize: wp and wn must hold one value each");
  TORCH_CHECK(wp.scalar_type() == latent.scalar_type() && wn.scalar_type() == latent.scalar_type(),
              "ternarize: wp, wn and the weight must share a dtype");
  TORCH_CHECK(wp.device() == latent.device() && wn.device() == latent.device(),
              "ternarize: wp, wn and the weight must be on one device");
  const TernaryMasks m = ternary_masks(latent, threshold);
  ctx->save_for_backward({wp, wn});
  ctx->saved_data["pos"] = m.pos;
  ctx->saved_data["neg"] = m.neg;
  ctx->saved_data["paper_sign"] = wn_sign == WnGradSign::paper;
  const auto dtype = latent.scalar_type();
  // +wp on I_p, −wn on I_n, exactly 0 elsewhere (eq. 1).
  return m.pos.to(dtype) * wp.reshape({}) - m.neg.to(dtype) * wn.reshape({});
}

torch::autograd::variable_list TernarizeFunction::backward(torch::autograd::AutogradContext* ctx,
                                                           torch::autograd::variable_list grad_outputs) {
  const torch::Tensor g = grad_outputs[0];
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor &wp = saved[0], &wn = saved[1];
  const torch::Tensor pos = ctx->saved_data["pos"].toTensor();
  const torch::Tensor neg = ctx->saved_data["neg"].toTensor();
  const bool paper_sign = ctx->saved_data["paper_sign"].toBool();

  const torch::Tensor zero = torch::zeros({}, g.options());
  // Sums over the index sets, not means (eq. 2).
  const torch::Tensor grad_wp = torch::where(pos, g, zero).sum().reshape(wp.sizes());
  const torch::Tensor sum_neg = torch::where(neg, g, zero).sum().reshape(wn.sizes());
  // w_t = −wn on I_n, so the chain rule gives −Σ; the paper's eq. 2 prints +Σ.
  const torch::Tensor grad_wn = paper_sign ? sum_neg : -sum_neg;

  torch::Tensor grad_latent;
  if (ctx->needs_input_grad(0)) {
    // Eq. 3: wp·g on I_p, 1·g on the zero set, wn·g on I_n. torch::where picks the
    // factor exactly, so the product is bit-identical to the equation.
    const torch::Tensor one = torch::ones({}, g.options());
    const torch::Tensor factor =
        torch::where(pos, wp.reshape({}).to(g.scalar_type()), torch::where(neg, wn.reshape({}).to(g.scalar_type()), one));
    grad_latent = g * factor;
  }
  return {grad_latent, grad_wp, grad_wn, torch::Tensor(), torch::Tensor()};
}

std::string to_string(ThresholdMode mode) { return mode == ThresholdMode::t ? "t" : "sparsity"; }
std::string to_string(WnGradSign sign) { return sign == WnGradSign::chain_rule ? "chain_rule" : "paper"; }

ThresholdMode parse_threshold_mode(const std::string& s) {
  if (s == "t") return ThresholdMode::t;
  if (s == "sparsity") return ThresholdMode::sparsity;
  throw ArgumentError("unknown TTQ threshold mode '" + s + "'", "use 't' or 'sparsity'");
}

WnGradSign parse_wn_grad_sign(const std::string& s) {
  if (s == "chain_rule" || s == "true") return WnGradSign::chain_rule;
  if (s == "paper") return WnGradSign::paper;
  throw ArgumentError("unknown Wn gradient sign '" + s + "'",
                      "use 'chain_rule' (the true gradient, default) or 'paper' (eq. 2 as printed)");
}

}  // namespace ttq::train
