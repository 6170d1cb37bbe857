#include "train/models/squeezenet_bn.h"

#include "train/models/model_parts.h"

namespace ttq::train {
namespace {

using namespace parts;

class FireImpl : public torch::nn::Module {
 public:
  FireImpl(int64_t in, int64_t squeeze_ch, int64_t expand_ch) : skip(in == 2 * expand_ch) {
    squeeze_bn = register_module("squeeze_bn", batchnorm(in));
    squeeze = register_module("squeeze", conv(in, squeeze_ch, 1));
    expand1x1_bn = register_module("expand1x1_bn", batchnorm(squeeze_ch));
    expand1x1 = register_module("expand1x1", conv(squeeze_ch, expand_ch, 1));
    expand3x3_bn = register_module("expand3x3_bn", batchnorm(squeeze_ch));
    expand3x3 = register_module("expand3x3", conv(squeeze_ch, expand_ch, 3, 1, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto s = squeeze->forward(torch::relu(squeeze_bn->forward(x)));
    auto e1 = expand1x1->forward(torch::relu(expand1x1_bn->forward(s)));
    auto e3 = expand3x3->forward(torch::relu(expand3x3_bn->forward(s)));
    auto y = torch::cat({e1, e3}, 1);
    return skip ? y + x : y;
  }
  std::string describe(format::GraphBuilder& g, const std::string& p, const std::string& x) const {
    auto s = emit(g, dot(p, "squeeze"), *squeeze, g.relu(emit(g, dot(p, "squeeze_bn"), *squeeze_bn, x)));
    auto e1 = emit(g, dot(p, "expand1x1"), *expand1x1, g.relu(emit(g, dot(p, "expand1x1_bn"), *expand1x1_bn, s)));
    auto e3 = emit(g, dot(p, "expand3x3"), *expand3x3, g.relu(emit(g, dot(p, "expand3x3_bn"), *expand3x3_bn, s)));
    auto y = g.concat({e1, e3});
    return skip ? g.add(y, x) : y;
  }
  bool skip;
  BatchNorm squeeze_bn, expand1x1_bn, expand3x3_bn;
  Conv squeeze, expand1x1, expand3x3;
};

// One step of `features` after the stem: a fire module or a max-pool.
struct Step {
  int64_t index;  // torchvision's position in `features`
  std::shared_ptr<FireImpl> fire;  // null: 3x3/2 max-pool (padding 1 stands in for ceil_mode)
};

class SqueezeNetBn : public Network {
 public:
  SqueezeNetBn(const ModelOptions& o) : Network("squeezenet_bn", o), dropout(0.6) {
    auto features = container(*this, "features");
    const int64_t stem_stride = options.small_input.value() ? 1 : 2;
    conv0 = features->register_module("0", conv(o.in_channels, 64, 3, stem_stride, 1));
    bn0 = features->register_module("1", batchnorm(64));
    // {index, squeeze, expand}; expand 0 marks a max-pool. Widths as in SqueezeNet 1.1.
    const int64_t plan[][3] = {{3, 0, 0},    {4, 16, 64},  {5, 16, 64},   {6, 0, 0},    {7, 32, 128},
                               {8, 32, 128}, {9, 0, 0},    {10, 48, 192}, {11, 48, 192}, {12, 64, 256},
                               {13, 64, 256}};
    int64_t ch = 64;
    for (const auto& p : plan) {
      if (p[2] == 0) {
        steps.push_back({p[0], nullptr});
        continue;
      }
      steps.push_back({p[0], features->register_module(std::to_string(p[0]), std::make_shared<FireImpl>(ch, p[1], p[2]))});
      ch = 2 * p[2];
    }
    auto classifier = container(*this, "classifier");
    final_conv = classifier->register_module("1", conv(ch, o.num_classes, 1, 1, 0, /*bias=*/true));
    // A small final layer keeps the initial logits near zero (as torchvision does).
    torch::NoGradGuard no_grad;
    final_conv->weight.normal_(0.0, 0.01);
    final_conv->bias.zero_();
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = torch::relu(bn0->forward(conv0->forward(x)));
    for (const auto& s : steps) x = s.fire ? s.fire->forward(x) : torch::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    x = torch::dropout(x, dropout, is_training());
    return torch::relu(final_conv->forward(x)).mean({2, 3});
  }

  format::Graph describe(std::array<int64_t, 3> input_shape) const override {
    check_channels(input_shape);
    format::GraphBuilder g(input_shape);
    auto x = g.relu(emit(g, "features.1", *bn0, emit(g, "features.0", *conv0, g.input())));
    for (const auto& s : steps) {
      x = s.fire ? s.fire->describe(g, "features." + std::to_string(s.index), x) : g.maxpool2d(x, 3, 2, 1);
    }
    x = g.relu(emit(g, "classifier.1", *final_conv, x));
    return g.finish(g.flatten(g.global_avgpool(x)));
  }

 private:
  double dropout;
  Conv conv0, final_conv;
  BatchNorm bn0;
  std::vector<Step> steps;
};

}  // namespace

std::shared_ptr<Network> make_squeezenet_bn(const ModelOptions& o) { return std::make_shared<SqueezeNetBn>(o); }

}  // namespace ttq::train
