// Every zoo architecture, TTQ-quantized, through export_model() and the model file's bytes
// into the standalone runtime: the runtime's fp32 reference reproduces LibTorch's logits,
// its u8 fast path stays close to them, and each quantized layer is stored ternary.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "data/batch_loader.h"
#include "format/model_file.h"
#include "graph_reference.h"
#include "train/export/export_model.h"
#include "train/models/model_zoo.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/trainer/model_builder.h"
#include "ttq/runtime.h"

namespace ttq::train {
namespace {

// Random pixels, fixed by a seed: calibration and test images at once.
class RandomImages : public data::Dataset {
 public:
  RandomImages(data::ImageShape shape, size_t count) : shape_(shape), pixels_(shape.bytes() * count) {
    std::mt19937 rng(11);
    for (auto& p : pixels_) p = uint8_t(rng() & 255);
  }
  size_t size() const override { return pixels_.size() / shape_.bytes(); }
  data::ImageShape shape() const override { return shape_; }
  int num_classes() const override { return 10; }
  int label(size_t i) const override { return int(i % 10); }
  void read_image(size_t i, uint8_t* out) const override {
    std::copy_n(pixels_.begin() + std::ptrdiff_t(i * shape_.bytes()), shape_.bytes(), out);
  }
  std::string describe() const override { return "random images"; }

 private:
  data::ImageShape shape_;
  std::vector<uint8_t> pixels_;
};

struct Case {
  std::string model;
  int channels, side;
};

// Running statistics of every batch norm from one batch, as training leaves them: each
// layer's input is then normalized, so activations have a trained network's ranges.
void batch_norms_from(Network& net, const torch::Tensor& x) {
  for (const auto& m : net.modules()) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) bn->options.momentum(1.0);
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm1dImpl*>(m.get())) bn->options.momentum(1.0);
  }
  torch::NoGradGuard no_grad;
  net.train();
  net.forward(x);
  net.eval();
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " " << c.channels << "x" << c.side; }

class ExportToRuntime : public ::testing::TestWithParam<Case> {};

TEST_P(ExportToRuntime, RuntimeReproducesLibTorch) {
  const Case c = GetParam();
  ModelOptions o;
  o.in_channels = c.channels;
  o.height = o.width = c.side;
  o.num_classes = 10;
  torch::manual_seed(3);
  auto net = make_model(c.model, o);
  graph_ref::randomize_batch_norms(*net);  // the affine parameters; the statistics come from data below
  QuantConfig ttq;
  ttq.method = "ttq";
  ttq.init = "data";  // Wp, Wn = mean |w̃| of each set, as after some training, rather than 1
  const auto quantized = attach_quantization(*net, ttq);
  ASSERT_FALSE(quantized.empty());

  const int images = 8;
  RandomImages data({c.channels, c.side, c.side}, images);
  const Normalization norm{std::vector<float>(size_t(c.channels), 0.5f), std::vector<float>(size_t(c.channels), 0.25f)};
  // The images as LibTorch and the runtime see them: normalized, NCHW, by the loader
  // that `ttq run` and the exporter's calibration use.
  data::BatchLoaderOptions lo;
  lo.batch_size = images;
  lo.mean = norm.mean;
  lo.std = norm.std;
  data::BatchLoader loader(data, lo);
  loader.start_epoch(0);
  data::Batch batch;
  ASSERT_TRUE(loader.next(batch));
  std::vector<float>& x = batch.images;
  const torch::Tensor input = torch::from_blob(x.data(), {images, c.channels, c.side, c.side});
  batch_norms_from(*net, input);

  CheckpointMeta meta;
  meta.config.model = c.model;
  meta.input_shape = {c.channels, c.side, c.side};
  meta.num_classes = 10;
  ExportOptions eo;
  eo.calibration_images = images;
  const ExportResult exported = export_model(*net, meta, data, norm, eo);
  int ternary = 0;
  for (const auto& [name, t] : exported.model.tensors) ternary += t.encoding == format::Encoding::ternary2;
  EXPECT_GE(ternary, int(quantized.size()));
  // Through the bytes, as a user's file would go.
  const format::ModelFile file = format::parse_model_file(format::serialize_model_file(exported.model), c.model);
  // Every ternary layer's input has its per-channel means (the runtime's bias correction).
  for (const auto& node : file.graph.nodes) {
    const auto w = file.tensors.find(node.name + ".weight");
    if (w == file.tensors.end() || w->second.encoding == format::Encoding::fp32) continue;
    EXPECT_EQ(file.calibration_mean.count(node.inputs.at(0)), 1u) << node.name;
  }

  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->forward(input);
  }
  const double scale = expected.abs().max().item<double>();
  ASSERT_GT(scale, 1e-3) << "degenerate logits prove nothing";
  const auto error_of = [&](Precision p) {
    Options ro;
    ro.precision = p;
    Model model = Model::from_model_file(file, ro);
    const std::vector<float> logits = model.run(x, images);
    const auto actual = torch::from_blob(const_cast<float*>(logits.data()), {images, 10});
    return (actual - expected).abs().max().item<double>() / scale;
  };
  EXPECT_LT(error_of(Precision::fp32_reference), 1e-4);
  // u8 activations: 1/255 of each activation's calibrated range per layer, on random
  // weights and images 0.02-0.18 of the largest logit here; a wrong scale, layer or
  // encoding gives errors of order 1 (SqueezeNet's classifier quantized by mistake gave
  // 0.92, measured with random batch-norm statistics).
  EXPECT_LT(error_of(Precision::fast), 0.3);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ExportToRuntime,
                         ::testing::Values(Case{"resnet20", 1, 28}, Case{"resnet32", 1, 28}, Case{"resnet44", 1, 28},
                                           Case{"resnet56", 1, 28}, Case{"resnet18", 1, 28}, Case{"resnet34", 1, 28},
                                           Case{"resnet20", 3, 32}, Case{"densenet_small", 3, 32},
                                           Case{"squeezenet_bn", 3, 32}, Case{"alexnet_bn", 1, 28}),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return i.param.model + "_" + std::to_string(i.param.channels) + "x" +
                                  std::to_string(i.param.side);
                         });

}  // namespace
}  // namespace ttq::train
