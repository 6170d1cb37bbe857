#include "train/models/resnet.h"

#include "common/error.h"
#include "train/models/model_parts.h"

namespace ttq::train {
namespace {

using namespace parts;

// Option A of He et al. 2016: the identity, subsampled by the stride, with the
// missing output channels filled with zeros; parameter-free. The graph ops have
// no "pad channels", so it is a fixed 1x1 strided convolution whose weight is
// identity on the first `in` channels and zero elsewhere. The weight is a buffer
// (in the state dict, not trained) and forward uses it too, so forward and
// describe() compute the same thing.
class ZeroPadShortcutImpl : public torch::nn::Module {
 public:
  ZeroPadShortcutImpl(int64_t in, int64_t out, int64_t stride) : stride(stride) {
    auto w = torch::zeros({out, in, 1, 1});
    w.narrow(0, 0, in).view({in, in}).copy_(torch::eye(in));
    weight = register_buffer("weight", w);
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::conv2d(x, weight, {}, {stride, stride}); }
  torch::Tensor weight;
  int64_t stride;
};

enum class Shortcut { zero_pad, projection };

// conv3x3-bn-relu-conv3x3-bn, plus the shortcut, then relu.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride, Shortcut kind) {
    conv1 = register_module("conv1", conv(in, out, 3, stride, 1));
    bn1 = register_module("bn1", batchnorm(out));
    conv2 = register_module("conv2", conv(out, out, 3, 1, 1));
    bn2 = register_module("bn2", batchnorm(out));
    if (stride == 1 && in == out) return;
    if (kind == Shortcut::zero_pad) {
      zero_pad = register_module("shortcut", std::make_shared<ZeroPadShortcutImpl>(in, out, stride));
    } else {  // torchvision's "downsample": 1x1 strided conv + bn
      auto ds = container(*this, "downsample");
      down_conv = ds->register_module("0", conv(in, out, 1, stride, 0));
      down_bn = ds->register_module("1", batchnorm(out));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1->forward(conv1->forward(x)));
    y = bn2->forward(conv2->forward(y));
    torch::Tensor identity = x;
    if (zero_pad) identity = zero_pad->forward(x);
    if (down_conv) identity = down_bn->forward(down_conv->forward(x));
    return torch::relu(y + identity);
  }

  std::string describe(format::GraphBuilder& g, const std::string& prefix, const std::string& x) const {
    auto y = g.relu(emit(g, dot(prefix, "bn1"), *bn1, emit(g, dot(prefix, "conv1"), *conv1, x)));
    y = emit(g, dot(prefix, "bn2"), *bn2, emit(g, dot(prefix, "conv2"), *conv2, y));
    std::string identity = x;
    if (zero_pad) {
      const auto& o = conv1->options;
      identity = g.conv2d(dot(prefix, "shortcut"), x, o.in_channels, o.out_channels, 1, zero_pad->stride, 0);
    }
    if (down_conv) {
      identity = emit(g, dot(prefix, "downsample.1"), *down_bn, emit(g, dot(prefix, "downsample.0"), *down_conv, x));
    }
    return g.relu(g.add(y, identity));
  }

  Conv conv1, conv2, down_conv;
  BatchNorm bn1, bn2, down_bn;
  std::shared_ptr<ZeroPadShortcutImpl> zero_pad;
};

struct ResNetConfig {
  int64_t stem_width, stem_kernel, stem_stride;
  bool stem_maxpool;
  std::vector<int64_t> widths, blocks;  // per stage; stages after the first halve H and W
  Shortcut shortcut;
};

class ResNet : public Network {
 public:
  ResNet(const std::string& arch, const ModelOptions& o, const ResNetConfig& c) : Network(arch, o), maxpool(c.stem_maxpool) {
    conv1 = register_module("conv1", conv(o.in_channels, c.stem_width, c.stem_kernel, c.stem_stride, c.stem_kernel / 2));
    bn1 = register_module("bn1", batchnorm(c.stem_width));
    int64_t in = c.stem_width;
    for (size_t s = 0; s < c.widths.size(); ++s) {
      auto stage = container(*this, "layer" + std::to_string(s + 1));
      for (int64_t b = 0; b < c.blocks[s]; ++b) {
        const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
        blocks.push_back(stage->register_module(std::to_string(b),
                                                std::make_shared<BasicBlockImpl>(in, c.widths[s], stride, c.shortcut)));
        block_names.push_back("layer" + std::to_string(s + 1) + "." + std::to_string(b));
        in = c.widths[s];
      }
    }
    fc = register_module("fc", std::make_shared<QLinearImpl>(in, o.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) override {
    x = torch::relu(bn1->forward(conv1->forward(x)));
    if (maxpool) x = torch::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    for (auto& b : blocks) x = b->forward(x);
    return fc->forward(x.mean({2, 3}));
  }

  format::Graph describe(std::array<int64_t, 3> input_shape) const override {
    check_channels(input_shape);
    format::GraphBuilder g(input_shape);
    auto x = g.relu(emit(g, "bn1", *bn1, emit(g, "conv1", *conv1, g.input())));
    if (maxpool) x = g.maxpool2d(x, 3, 2, 1);
    for (size_t i = 0; i < blocks.size(); ++i) x = blocks[i]->describe(g, block_names[i], x);
    x = g.flatten(g.global_avgpool(x));
    return g.finish(emit(g, "fc", *fc, x));
  }

 private:
  bool maxpool;
  Conv conv1;
  BatchNorm bn1;
  std::vector<std::shared_ptr<BasicBlockImpl>> blocks;
  std::vector<std::string> block_names;
  Linear fc;
};

}  // namespace

std::shared_ptr<Network> make_resnet_cifar(int depth, const ModelOptions& o) {
  if (depth < 8 || (depth - 2) % 6 != 0) {
    throw ArgumentError("CIFAR ResNet depth " + std::to_string(depth) + " is not 6n+2", "use 20, 32, 44 or 56");
  }
  const int64_t n = (depth - 2) / 6;
  ResNetConfig c{16, 3, 1, false, {16, 32, 64}, {n, n, n}, Shortcut::zero_pad};
  return std::make_shared<ResNet>("resnet" + std::to_string(depth), o, c);
}

std::shared_ptr<Network> make_resnet(int depth, const ModelOptions& o) {
  std::vector<int64_t> blocks;
  if (depth == 18) blocks = {2, 2, 2, 2};
  else if (depth == 34) blocks = {3, 4, 6, 3};
  else throw ArgumentError("ResNet depth " + std::to_string(depth) + " is not supported", "use 18 or 34");
  const bool small = o.use_small_input();
  ResNetConfig c{64, small ? 3 : 7, small ? 1 : 2, !small, {64, 128, 256, 512}, blocks, Shortcut::projection};
  return std::make_shared<ResNet>("resnet" + std::to_string(depth), o, c);
}

}  // namespace ttq::train
