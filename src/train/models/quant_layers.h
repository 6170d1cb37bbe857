// Conv and linear layers whose weight can pass through a WeightQuantizer.
// Parameter names follow torch.nn.Conv2d / Linear ("weight", "bias"), so model
// state_dicts keep torchvision's names; a quantizer is the child "quant".
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
#include <vector>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

struct QConv2dOptions {
  int64_t in_channels, out_channels, kernel_size;
  int64_t stride = 1, padding = 0, groups = 1;
  bool bias = false;
};

// Base of QConv2d and QLinear: a latent weight and an optional quantizer.
class QuantizableLayer : public torch::nn::Module {
 public:
  torch::Tensor weight, bias;  // bias is undefined when absent
  // Attach (or with nullptr, detach) a quantizer; registers it as child "quant".
  void set_quantizer(std::shared_ptr<WeightQuantizerImpl> q);
  const std::shared_ptr<WeightQuantizerImpl>& quantizer() const { return quantizer_; }
  // The weight used in forward: quantizer(weight), or weight itself.
  torch::Tensor effective_weight() const;
  // Attach (or with nullptr, detach) an input quantizer; registers it as child "act_quant".
  void set_input_quantizer(std::shared_ptr<ActivationQuantizerImpl> q);
  const std::shared_ptr<ActivationQuantizerImpl>& input_quantizer() const { return input_quantizer_; }
  // The input used in forward: input_quantizer(x), or x itself.
  torch::Tensor effective_input(const torch::Tensor& x) const;
  virtual bool is_conv() const = 0;

 private:
  std::shared_ptr<WeightQuantizerImpl> quantizer_;
  std::shared_ptr<ActivationQuantizerImpl> input_quantizer_;
};

class QConv2dImpl : public QuantizableLayer {
 public:
  explicit QConv2dImpl(const QConv2dOptions& o);
  torch::Tensor forward(const torch::Tensor& x);
  bool is_conv() const override { return true; }
  QConv2dOptions options;
};
TORCH_MODULE(QConv2d);

class QLinearImpl : public QuantizableLayer {
 public:
  QLinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);
  bool is_conv() const override { return false; }
  int64_t in_features, out_features;
};
TORCH_MODULE(QLinear);

// Every QConv2d/QLinear of a model with its dotted name, in registration order
// (models register layers in forward order, so the first is the first conv and
// the last is the classifier).
struct NamedLayer {
  std::string name;  // "layer1.0.conv1"
  std::shared_ptr<QuantizableLayer> layer;
};
std::vector<NamedLayer> quantizable_layers(torch::nn::Module& model);

}  // namespace ttq::train
