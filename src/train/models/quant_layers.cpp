#include "train/models/quant_layers.h"

#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>

#include <cmath>

namespace ttq::train {

void QuantizableLayer::set_quantizer(std::shared_ptr<WeightQuantizerImpl> q) {
  if (quantizer_) unregister_module("quant");
  quantizer_ = std::move(q);
  if (quantizer_) register_module("quant", quantizer_);
}

torch::Tensor QuantizableLayer::effective_weight() const {
  return quantizer_ ? quantizer_->forward(weight) : weight;
}

void QuantizableLayer::set_input_quantizer(std::shared_ptr<ActivationQuantizerImpl> q) {
  if (input_quantizer_) unregister_module("act_quant");
  input_quantizer_ = std::move(q);
  if (input_quantizer_) register_module("act_quant", input_quantizer_);
}

torch::Tensor QuantizableLayer::effective_input(const torch::Tensor& x) const {
  return input_quantizer_ ? input_quantizer_->forward(x) : x;
}

QConv2dImpl::QConv2dImpl(const QConv2dOptions& o) : options(o) {
  weight = register_parameter(
      "weight", torch::empty({o.out_channels, o.in_channels / o.groups, o.kernel_size, o.kernel_size}));
  // Kaiming normal (fan_out, relu), as torchvision's ResNets initialise convolutions.
  torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanOut, torch::kReLU);
  if (o.bias) bias = register_parameter("bias", torch::zeros({o.out_channels}));
}

torch::Tensor QConv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(effective_input(x), effective_weight(), bias, {options.stride, options.stride},
                       {options.padding, options.padding}, {1, 1}, options.groups);
}

QLinearImpl::QLinearImpl(int64_t in_f, int64_t out_f, bool has_bias) : in_features(in_f), out_features(out_f) {
  weight = register_parameter("weight", torch::empty({out_f, in_f}));
  // torch.nn.Linear's default init.
  const double bound = 1.0 / std::sqrt(double(in_f));
  torch::nn::init::uniform_(weight, -bound, bound);
  if (has_bias) bias = register_parameter("bias", torch::empty({out_f}).uniform_(-bound, bound));
}

torch::Tensor QLinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(effective_input(x), effective_weight(), bias);
}

std::vector<NamedLayer> quantizable_layers(torch::nn::Module& model) {
  std::vector<NamedLayer> out;
  for (const auto& item : model.named_modules()) {
    if (auto layer = std::dynamic_pointer_cast<QuantizableLayer>(item.value())) out.push_back({item.key(), layer});
  }
  return out;
}

}  // namespace ttq::train
