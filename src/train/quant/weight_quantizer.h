// What a quantized layer asks of a weight quantizer (TTQ and the survey baselines).
// A quantizer is a torch::nn::Module registered as the child "quant" of its layer,
// so its own parameters (TTQ's wp, wn) are named "<layer>.quant.wp" in checkpoints.
#pragma once

#include <torch/nn/module.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ttq::train {

class WeightQuantizerImpl : public torch::nn::Module {
 public:
  // The weight the layer computes with, from its latent fp32 weight; differentiable.
  virtual torch::Tensor forward(const torch::Tensor& latent) = 0;
  // "ttq", "twn", ... (stored in checkpoints and metrics)
  virtual std::string kind() const = 0;
  // Statistics for logs and metrics: sparsity, scales, ...
  virtual nlohmann::json stats(const torch::Tensor& latent) { return nlohmann::json::object(); }
  // Called by the trainer after every optimizer step, outside autograd: keeps the
  // quantizer's own parameters valid (TTQ clamps wp, wn to stay positive).
  virtual void constrain() {}
};

}  // namespace ttq::train
