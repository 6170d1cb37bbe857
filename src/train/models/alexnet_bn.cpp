#include "train/models/alexnet_bn.h"

#include "common/error.h"
#include "train/models/model_parts.h"

namespace ttq::train {
namespace {

using namespace parts;

struct Geometry {
  int64_t stem_kernel, stem_stride, stem_padding, pool_padding, hidden;
  int64_t out_h = 0, out_w = 0;  // feature map after features
  int64_t avgpool = 1;           // kernel = stride of the pool to 6x6; 1 = none
};

// Output side of a convolution or pooling window; 0 when the window does not fit.
int64_t window_out(int64_t x, int64_t kernel, int64_t stride, int64_t pad) {
  return x + 2 * pad < kernel ? 0 : (x + 2 * pad - kernel) / stride + 1;
}

Geometry geometry(const ModelOptions& o) {
  Geometry g = o.use_small_input() ? Geometry{5, std::max(o.height, o.width) <= 32 ? 1 : 2, 2, 1, 1024}
                                   : Geometry{11, 4, 2, 0, 4096};
  auto side = [&](int64_t x) {
    x = window_out(x, g.stem_kernel, g.stem_stride, g.stem_padding);
    for (int i = 0; i < 3; ++i) x = window_out(x, 3, 2, g.pool_padding);
    return x;
  };
  g.out_h = side(o.height);
  g.out_w = side(o.width);
  if (g.out_h < 1 || g.out_w < 1) {
    throw ShapeError("input " + std::to_string(o.height) + "x" + std::to_string(o.width) + " is too small for alexnet_bn",
                     "the standard (large-input) stem needs at least 63x63 pixels; use the small-input stem");
  }
  if (g.out_h == g.out_w && g.out_h > 6 && g.out_h % 6 == 0) g.avgpool = g.out_h / 6;
  return g;
}

class AlexNetBn : public Network {
 public:
  explicit AlexNetBn(const ModelOptions& o) : Network("alexnet_bn", o), geo(geometry(o)) {
    auto features = container(*this, "features");
    const int64_t widths[] = {64, 192, 384, 256, 256};
    const int64_t positions[] = {0, 4, 8, 11, 14};
    int64_t in = o.in_channels;
    for (int i = 0; i < 5; ++i) {
      const int64_t k = i == 0 ? geo.stem_kernel : (i == 1 ? 5 : 3);
      const int64_t stride = i == 0 ? geo.stem_stride : 1;
      const int64_t pad = i == 0 ? geo.stem_padding : k / 2;
      convs.push_back(features->register_module(std::to_string(positions[i]), conv(in, widths[i], k, stride, pad)));
      bns.push_back(features->register_module(std::to_string(positions[i] + 1), batchnorm(widths[i])));
      in = widths[i];
    }
    const int64_t side_h = geo.out_h / geo.avgpool, side_w = geo.out_w / geo.avgpool;
    auto classifier = container(*this, "classifier");
    fc1 = classifier->register_module("1", std::make_shared<QLinearImpl>(in * side_h * side_w, geo.hidden, false));
    fc1_bn = classifier->register_module("2", batchnorm1d(geo.hidden));
    fc2 = classifier->register_module("5", std::make_shared<QLinearImpl>(geo.hidden, geo.hidden, false));
    fc2_bn = classifier->register_module("6", batchnorm1d(geo.hidden));
    fc3 = classifier->register_module("8", std::make_shared<QLinearImpl>(geo.hidden, o.num_classes));
  }

  torch::Tensor forward(torch::Tensor x) override {
    const auto pool = [&](const torch::Tensor& t) {
      const int64_t p = geo.pool_padding;
      return torch::max_pool2d(t, {3, 3}, {2, 2}, {p, p});
    };
    for (size_t i = 0; i < convs.size(); ++i) {
      x = torch::relu(bns[i]->forward(convs[i]->forward(x)));
      if (i < 2 || i == 4) x = pool(x);
    }
    if (geo.avgpool > 1) x = torch::avg_pool2d(x, {geo.avgpool, geo.avgpool}, {geo.avgpool, geo.avgpool});
    x = torch::dropout(x.flatten(1), 0.5, is_training());
    x = torch::relu(fc1_bn->forward(fc1->forward(x)));
    x = torch::dropout(x, 0.5, is_training());
    x = torch::relu(fc2_bn->forward(fc2->forward(x)));
    return fc3->forward(x);
  }

  format::Graph describe(std::array<int64_t, 3> input_shape) const override {
    check_channels(input_shape);
    if (input_shape[1] != options.height || input_shape[2] != options.width) {
      throw ShapeError("alexnet_bn was built for " + std::to_string(options.height) + "x" +
                           std::to_string(options.width) + " inputs, got " + std::to_string(input_shape[1]) + "x" +
                           std::to_string(input_shape[2]),
                       "its classifier size depends on the input size; rebuild it for this size");
    }
    const int64_t positions[] = {0, 4, 8, 11, 14};
    format::GraphBuilder g(input_shape);
    auto x = g.input();
    for (size_t i = 0; i < convs.size(); ++i) {
      const std::string p = "features." + std::to_string(positions[i]);
      const std::string b = "features." + std::to_string(positions[i] + 1);
      x = g.relu(emit(g, b, *bns[i], emit(g, p, *convs[i], x)));
      if (i < 2 || i == 4) x = g.maxpool2d(x, 3, 2, geo.pool_padding);
    }
    if (geo.avgpool > 1) x = g.avgpool2d(x, geo.avgpool, geo.avgpool, 0);
    x = g.flatten(x);
    x = g.relu(emit(g, "classifier.2", *fc1_bn, emit(g, "classifier.1", *fc1, x)));
    x = g.relu(emit(g, "classifier.6", *fc2_bn, emit(g, "classifier.5", *fc2, x)));
    return g.finish(emit(g, "classifier.8", *fc3, x));
  }

 private:
  Geometry geo;
  std::vector<Conv> convs;
  std::vector<BatchNorm> bns;
  Linear fc1, fc2, fc3;
  BatchNorm1 fc1_bn, fc2_bn;
};

}  // namespace

std::shared_ptr<Network> make_alexnet_bn(const ModelOptions& o) { return std::make_shared<AlexNetBn>(o); }

}  // namespace ttq::train
