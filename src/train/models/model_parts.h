// Helpers the zoo's models share: build conv / linear / batch-norm layers and
// emit the graph node of each under its module name. Internal to src/train/models.
#pragma once

#include <torch/nn/modules/batchnorm.h>

#include <memory>
#include <string>

#include "format/graph.h"
#include "train/models/quant_layers.h"

namespace ttq::train::parts {

using Conv = std::shared_ptr<QConv2dImpl>;
using Linear = std::shared_ptr<QLinearImpl>;
using BatchNorm = std::shared_ptr<torch::nn::BatchNorm2dImpl>;
using BatchNorm1 = std::shared_ptr<torch::nn::BatchNorm1dImpl>;

Conv conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0, bool bias = false);
BatchNorm batchnorm(int64_t channels);
BatchNorm1 batchnorm1d(int64_t features);
// A parameter-free module that only groups children under a name ("layer1", "features").
std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name);

// "a" + "b" -> "a.b" (an empty prefix gives "b").
std::string dot(const std::string& prefix, const std::string& name);

// Graph node for the layer named `name` reading activation x; returns its output activation.
std::string emit(format::GraphBuilder& g, const std::string& name, const QConv2dImpl& c, const std::string& x);
std::string emit(format::GraphBuilder& g, const std::string& name, const QLinearImpl& l, const std::string& x);
std::string emit(format::GraphBuilder& g, const std::string& name, const torch::nn::BatchNorm2dImpl& bn,
                 const std::string& x);
std::string emit(format::GraphBuilder& g, const std::string& name, const torch::nn::BatchNorm1dImpl& bn,
                 const std::string& x);

}  // namespace ttq::train::parts
