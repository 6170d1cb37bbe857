#include "train/models/model_parts.h"

namespace ttq::train::parts {

Conv conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias) {
  QConv2dOptions o{in, out, kernel};
  o.stride = stride;
  o.padding = padding;
  o.bias = bias;
  return std::make_shared<QConv2dImpl>(o);
}

BatchNorm batchnorm(int64_t channels) {
  return std::make_shared<torch::nn::BatchNorm2dImpl>(torch::nn::BatchNorm2dOptions(channels));
}

BatchNorm1 batchnorm1d(int64_t features) {
  return std::make_shared<torch::nn::BatchNorm1dImpl>(torch::nn::BatchNorm1dOptions(features));
}

std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

std::string dot(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string emit(format::GraphBuilder& g, const std::string& name, const QConv2dImpl& c, const std::string& x) {
  const auto& o = c.options;
  return g.conv2d(name, x, o.in_channels, o.out_channels, o.kernel_size, o.stride, o.padding, o.groups);
}

std::string emit(format::GraphBuilder& g, const std::string& name, const QLinearImpl& l, const std::string& x) {
  return g.linear(name, x, l.in_features, l.out_features);
}

std::string emit(format::GraphBuilder& g, const std::string& name, const torch::nn::BatchNorm2dImpl& bn,
                 const std::string& x) {
  return g.batchnorm(name, x, bn.options.num_features());
}

std::string emit(format::GraphBuilder& g, const std::string& name, const torch::nn::BatchNorm1dImpl& bn,
                 const std::string& x) {
  return g.batchnorm(name, x, bn.options.num_features());
}

}  // namespace ttq::train::parts
