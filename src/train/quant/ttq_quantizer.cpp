#include "train/quant/ttq_quantizer.h"

#include <torch/torch.h>

#include "common/error.h"

namespace ttq::train {

std::string to_string(ScaleInit init) {
  switch (init) {
    case ScaleInit::one: return "one";
    case ScaleInit::data: return "data";
    case ScaleInit::weights: return "weights";
  }
  return "?";
}

ScaleInit parse_scale_init(const std::string& s) {
  if (s == "one") return ScaleInit::one;
  if (s == "data") return ScaleInit::data;
  if (s == "weights") return ScaleInit::weights;
  throw ArgumentError("unknown TTQ scale initialisation '" + s + "'",
                      "use 'one' (wp = wn = 1, the authors' choice), 'data' (mean |w̃| of each set) or 'weights' "
                      "(mean |w| of each set, in the weights' units)");
}

namespace {

// Mean of |w̃| over a mask, or 1 when the mask is empty (the scale then has no
// effect until a weight crosses the threshold). Stays on the device: no sync.
torch::Tensor masked_mean_abs(const torch::Tensor& abs_norm, const torch::Tensor& mask) {
  const torch::Tensor count = mask.sum().to(abs_norm.scalar_type());
  const torch::Tensor sum = torch::where(mask, abs_norm, torch::zeros({}, abs_norm.options())).sum();
  return torch::where(count > 0, sum / count.clamp_min(1), torch::ones({}, abs_norm.options()));
}

}  // namespace

TTQQuantizerImpl::TTQQuantizerImpl(const TTQOptions& options, const torch::Tensor& latent) : options_(options) {
  validate(options_.threshold);
  if (!(options_.min_scale > 0.0))
    throw ArgumentError("TTQ min_scale must be positive", "the default is 1e-8");
  const auto opts = latent.options().requires_grad(false);
  torch::Tensor init_p = torch::ones({1}, opts), init_n = torch::ones({1}, opts);
  if (options_.init != ScaleInit::one) {
    torch::NoGradGuard no_grad;
    const TernaryMasks m = ternary_masks(latent, options_.threshold);
    const torch::Tensor magnitude = (options_.init == ScaleInit::data ? normalized_weight(latent) : latent).abs();
    init_p = masked_mean_abs(magnitude, m.pos).reshape({1});
    init_n = masked_mean_abs(magnitude, m.neg).reshape({1});
  }
  wp = register_parameter("wp", init_p.clone());
  wn = register_parameter("wn", init_n.clone());
}

torch::Tensor TTQQuantizerImpl::forward(const torch::Tensor& latent) {
  return ternarize(latent, wp, wn, options_.threshold, options_.wn_grad_sign);
}

void TTQQuantizerImpl::constrain() {
  torch::NoGradGuard no_grad;
  wp.clamp_min_(options_.min_scale);
  wn.clamp_min_(options_.min_scale);
}

torch::Tensor TTQQuantizerImpl::codes(const torch::Tensor& latent) const {
  torch::NoGradGuard no_grad;
  return ternary_codes(ternary_masks(latent, options_.threshold));
}

nlohmann::json TTQQuantizerImpl::stats(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  const TernaryMasks m = ternary_masks(latent, options_.threshold);
  const int64_t total = latent.numel();
  const int64_t positive = m.pos.sum().item<int64_t>();
  const int64_t negative = m.neg.sum().item<int64_t>();
  const int64_t zero = total - positive - negative;
  nlohmann::json j;
  j["sparsity"] = double(zero) / double(total);
  j["wp"] = wp.item<double>();
  j["wn"] = wn.item<double>();
  j["delta"] = m.delta.item<double>();
  j["counts"] = {{"positive", positive}, {"zero", zero}, {"negative", negative}, {"total", total}};
  j["threshold_mode"] = to_string(options_.threshold.mode);
  if (options_.threshold.mode == ThresholdMode::t)
    j["t"] = options_.threshold.t;
  else
    j["target_sparsity"] = options_.threshold.sparsity;
  j["init"] = to_string(options_.init);
  j["wn_grad_sign"] = to_string(options_.wn_grad_sign);
  return j;
}

}  // namespace ttq::train
