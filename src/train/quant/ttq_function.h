// TTQ's ternarization (Zhu et al. 2017, eqs. 1–3; docs/DESIGN.md §2) as a custom autograd Function.
// The threshold and the ternary pattern depend on the latent weight only; the
// Function gives exact gradients for the two scales and eq. 3 for the latent weight.
#pragma once

#include <torch/csrc/autograd/custom_function.h>

#include <string>

namespace ttq::train {

enum class ThresholdMode {
  t,         // Δ = t · max|w̃|  (t = 0.05 in the paper)
  sparsity,  // Δ = k-th smallest |w̃| with k = floor(r·N + 0.5): k weights become zero
};

// How ∂L/∂Wn is computed. w_t = −Wn on I_n, so the chain rule gives −Σ_{I_n} g.
enum class WnGradSign {
  chain_rule,  // −Σ_{i∈In} g_i: the true gradient (the authors' TensorFlow code, via autodiff)
  paper,       // +Σ_{i∈In} g_i: as eq. 2 of Zhu et al. 2017 prints it and the Tiny ImageNet
               // replication's PyTorch code (TropComplique) uses it
};

struct TernaryThreshold {
  ThresholdMode mode = ThresholdMode::t;
  double t = 0.05;         // mode t: fraction of max|w̃|, in [0, 1]
  double sparsity = 0.0;   // mode sparsity: r, the fraction of weights that become zero, in [0, 1]
};

// Throws ttq::ArgumentError for t or r outside [0, 1] (or not finite).
void validate(const TernaryThreshold& threshold);

// w̃ = w / max|w| (detached). An all-zero weight gives w̃ = 0 rather than 0/0.
torch::Tensor normalized_weight(const torch::Tensor& latent);

// The ternary pattern of a latent weight: pos = I_p (w̃ > Δ), neg = I_n (w̃ < −Δ),
// everything else (|w̃| ≤ Δ, ties included) is zero. delta is a 0-d tensor on the
// weight's device, in the scale of w̃ = w / max|w|. No host synchronisation.
struct TernaryMasks {
  torch::Tensor pos, neg;  // bool, shape of the weight
  torch::Tensor delta;     // 0-d, dtype of the weight
};
TernaryMasks ternary_masks(const torch::Tensor& latent, const TernaryThreshold& threshold);

// {−1, 0, +1} codes as int8, shape of the weight.
torch::Tensor ternary_codes(const TernaryMasks& masks);

// w_t = +wp on I_p, 0 on the rest, −wn on I_n (eq. 1). wp, wn: shape [1], same dtype
// and device as latent. Gradients: ∂L/∂wp = Σ_{Ip} g, ∂L/∂wn = ∓Σ_{In} g (see
// WnGradSign), ∂L/∂w = wp·g on Ip, g on the zero set, wn·g on In (eq. 3, applied
// directly to the latent weight: no 1/max|w| factor, no gradient through Δ or max|w|).
torch::Tensor ternarize(const torch::Tensor& latent, const torch::Tensor& wp, const torch::Tensor& wn,
                        const TernaryThreshold& threshold, WnGradSign wn_sign = WnGradSign::chain_rule);

class TernarizeFunction : public torch::autograd::Function<TernarizeFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& latent,
                               const torch::Tensor& wp, const torch::Tensor& wn,
                               const TernaryThreshold& threshold, WnGradSign wn_sign);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs);
};

// Names used in options, stats and the CLI ("t" / "sparsity", "chain_rule" / "paper").
std::string to_string(ThresholdMode mode);
std::string to_string(WnGradSign sign);
ThresholdMode parse_threshold_mode(const std::string& s);  // ArgumentError if unknown
WnGradSign parse_wn_grad_sign(const std::string& s);      // accepts "chain_rule", "true", "paper"

}  // namespace ttq::train
