#include "train/models/densenet.h"

#include "train/models/model_parts.h"

namespace ttq::train {
namespace {

using namespace parts;

// norm1-relu-conv1(1x1, bn_size*growth)-norm2-relu-conv2(3x3, growth); output
// is the input with the new features appended.
class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(int64_t in, int64_t growth, int64_t bn_size, double drop_rate) : drop_rate(drop_rate) {
    norm1 = register_module("norm1", batchnorm(in));
    conv1 = register_module("conv1", conv(in, bn_size * growth, 1));
    norm2 = register_module("norm2", batchnorm(bn_size * growth));
    conv2 = register_module("conv2", conv(bn_size * growth, growth, 3, 1, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = conv1->forward(torch::relu(norm1->forward(x)));
    y = conv2->forward(torch::relu(norm2->forward(y)));
    if (drop_rate > 0) y = torch::dropout(y, drop_rate, is_training());
    return torch::cat({x, y}, 1);
  }
  std::string describe(format::GraphBuilder& g, const std::string& prefix, const std::string& x) const {
    auto y = emit(g, dot(prefix, "conv1"), *conv1, g.relu(emit(g, dot(prefix, "norm1"), *norm1, x)));
    y = emit(g, dot(prefix, "conv2"), *conv2, g.relu(emit(g, dot(prefix, "norm2"), *norm2, y)));
    return g.concat({x, y});
  }
  double drop_rate;
  BatchNorm norm1, norm2;
  Conv conv1, conv2;
};

// norm-relu-conv(1x1, halves the channels)-avgpool 2x2/2.
class TransitionImpl : public torch::nn::Module {
 public:
  TransitionImpl(int64_t in, int64_t out) {
    norm = register_module("norm", batchnorm(in));
    conv_ = register_module("conv", conv(in, out, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::avg_pool2d(conv_->forward(torch::relu(norm->forward(x))), {2, 2}, {2, 2});
  }
  std::string describe(format::GraphBuilder& g, const std::string& prefix, const std::string& x) const {
    auto y = emit(g, dot(prefix, "conv"), *conv_, g.relu(emit(g, dot(prefix, "norm"), *norm, x)));
    return g.avgpool2d(y, 2, 2, 0);
  }
  BatchNorm norm;
  Conv conv_;
};

struct DenseNetConfig {
  int64_t growth, init_features, bn_size;
  std::vector<int64_t> blocks;
  double drop_rate;  // after each dense layer and before the classifier
  int64_t stem_kernel, stem_stride;
  bool stem_pool;
};

class DenseNet : public Network {
 public:
  DenseNet(const std::string& arch, const ModelOptions& o, const DenseNetConfig& c)
      : Network(arch, o), drop_rate(c.drop_rate), stem_pool(c.stem_pool) {
    auto features = container(*this, "features");
    conv0 = features->register_module(
        "conv0", conv(o.in_channels, c.init_features, c.stem_kernel, c.stem_stride, c.stem_kernel / 2));
    norm0 = features->register_module("norm0", batchnorm(c.init_features));
    int64_t ch = c.init_features;
    for (size_t b = 0; b < c.blocks.size(); ++b) {
      const std::string block_name = "denseblock" + std::to_string(b + 1);
      auto block = container(*features, block_name);
      for (int64_t l = 0; l < c.blocks[b]; ++l) {
        const std::string layer_name = "denselayer" + std::to_string(l + 1);
        layers.push_back(block->register_module(
            layer_name, std::make_shared<DenseLayerImpl>(ch, c.growth, c.bn_size, c.drop_rate)));
        stages.push_back({"features." + block_name + "." + layer_name, layers.size() - 1, false});
        ch += c.growth;
      }
      if (b + 1 < c.blocks.size()) {
        const std::string name = "transition" + std::to_string(b + 1);
        transitions.push_back(features->register_module(name, std::make_shared<TransitionImpl>(ch, ch / 2)));
        stages.push_back({"features." + name, transitions.size() - 1, true});
        ch /= 2;
      }
    }
    norm5 = features->register_module("norm5", batchnorm(ch));
    classifier = register_module("classifier", std::make_shared<QLinearImpl>(ch, o.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = torch::relu(norm0->forward(conv0->forward(x)));
    if (stem_pool) x = torch::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    for (const auto& s : stages) x = s.transition ? transitions[s.index]->forward(x) : layers[s.index]->forward(x);
    x = torch::relu(norm5->forward(x)).mean({2, 3});
    if (drop_rate > 0) x = torch::dropout(x, drop_rate, is_training());
    return classifier->forward(x);
  }

  format::Graph describe(std::array<int64_t, 3> input_shape) const override {
    check_channels(input_shape);
    format::GraphBuilder g(input_shape);
    auto x = g.relu(emit(g, "features.norm0", *norm0, emit(g, "features.conv0", *conv0, g.input())));
    if (stem_pool) x = g.maxpool2d(x, 3, 2, 1);
    for (const auto& s : stages) {
      x = s.transition ? transitions[s.index]->describe(g, s.name, x) : layers[s.index]->describe(g, s.name, x);
    }
    x = g.flatten(g.global_avgpool(g.relu(emit(g, "features.norm5", *norm5, x))));
    return g.finish(emit(g, "classifier", *classifier, x));
  }

 private:
  struct Stage {
    std::string name;  // "features.denseblock1.denselayer1"
    size_t index;      // into layers or transitions
    bool transition;
  };
  double drop_rate;
  bool stem_pool;
  Conv conv0;
  BatchNorm norm0, norm5;
  std::vector<std::shared_ptr<DenseLayerImpl>> layers;
  std::vector<std::shared_ptr<TransitionImpl>> transitions;
  std::vector<Stage> stages;  // forward order
  Linear classifier;
};

}  // namespace

std::shared_ptr<Network> make_densenet121(const ModelOptions& o) {
  const bool small = o.use_small_input();
  DenseNetConfig c{32, 64, 4, {6, 12, 24, 16}, 0.0, small ? 3 : 7, small ? 1 : 2, !small};
  return std::make_shared<DenseNet>("densenet121", o, c);
}

std::shared_ptr<Network> make_densenet_small(const ModelOptions& o) {
  const bool small = o.use_small_input();
  DenseNetConfig c{12, 48, 4, {8, 12, 10}, 0.25, small ? 3 : 7, small ? 1 : 2, true};
  return std::make_shared<DenseNet>("densenet_small", o, c);
}

}  // namespace ttq::train
