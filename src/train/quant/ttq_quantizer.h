// The TTQ weight quantizer of one layer: two trained scales wp, wn (docs/DESIGN.md §2.2, §2.5).
// Its output is in the scale of the normalized weight w̃ = w / max|w|: values
// {−wn, 0, +wp}, as in the authors' code. See docs/TTQ.md for why.
#pragma once

#include <torch/nn/pimpl.h>

#include <string>

#include "train/quant/ttq_function.h"
#include "train/quant/weight_quantizer.h"

namespace ttq::train {

enum class ScaleInit {
  one,   // wp = wn = 1, as the authors' code starts
  data,  // wp = mean of w̃ over I_p, wn = mean of |w̃| over I_n (1 where a set is empty)
  // The same means of the weights in their own units (not divided by max |w|): the
  // ternary layer starts as a TWN-like approximation of the fp32 one, at its scale. For
  // networks whose conv outputs are not all renormalized (pre-activation SqueezeNet).
  weights,
};
std::string to_string(ScaleInit init);
ScaleInit parse_scale_init(const std::string& s);  // "one" / "data" / "weights"; ArgumentError otherwise

struct TTQOptions {
  TernaryThreshold threshold;  // mode t with t = 0.05 by default
  ScaleInit init = ScaleInit::one;
  WnGradSign wn_grad_sign = WnGradSign::chain_rule;
  double min_scale = 1e-8;  // constrain() clamps wp, wn to at least this
};

class TTQQuantizerImpl : public WeightQuantizerImpl {
 public:
  // latent: the layer's weight at attach time (used by ScaleInit::data and ::weights; wp and wn
  // take its dtype and device). Throws ArgumentError for invalid options.
  TTQQuantizerImpl(const TTQOptions& options, const torch::Tensor& latent);

  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "ttq"; }
  double bits_per_weight() const override { return 2.0; }  // the model file's ternary2
  // sparsity, wp, wn, delta, counts {positive, zero, negative, total}, and the options.
  nlohmann::json stats(const torch::Tensor& latent) override;
  // Clamps wp, wn to >= min_scale without autograd. Training normally keeps them
  // positive; this only guards against a step that would flip a scale's sign.
  void constrain() override;

  // The {−1, 0, +1} codes (int8, shape of the weight) for export.
  torch::Tensor codes(const torch::Tensor& latent) const;

  const TTQOptions& options() const { return options_; }
  torch::Tensor wp, wn;  // shape [1], registered as parameters "wp" and "wn"

 private:
  TTQOptions options_;
};
TORCH_MODULE(TTQQuantizer);

}  // namespace ttq::train
