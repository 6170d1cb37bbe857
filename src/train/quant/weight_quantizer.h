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
  // Bits one weight takes in this method's packed form (TTQ: 2, INT8: 8, ...).
  virtual double bits_per_weight() const = 0;
  // Bytes this layer's weight takes packed: the coded weights plus the method's
  // own fp32 numbers (scales, centroids). Methods with variable-length codes
  // (Deep Compression's Huffman) override this with their real coded size.
  virtual int64_t packed_bytes(const torch::Tensor& latent) {
    int64_t own = 0;
    for (const auto& p : parameters()) own += p.numel();
    for (const auto& b : buffers()) own += b.numel();
    return (int64_t(double(latent.numel()) * bits_per_weight()) + 7) / 8 + 4 * own;
  }
};

// Quantizes a layer's input activations (DoReFa's k-bit activations, INT8 QAT and
// PTQ fake-quant). Registered as the child "act_quant" of its layer.
class ActivationQuantizerImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  virtual std::string kind() const = 0;
};

}  // namespace ttq::train
