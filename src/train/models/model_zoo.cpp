#include "train/models/model_zoo.h"

#include <functional>

#include "common/error.h"
#include "train/models/alexnet_bn.h"
#include "train/models/densenet.h"
#include "train/models/graph_shapes.h"
#include "train/models/resnet.h"
#include "train/models/squeezenet_bn.h"

namespace ttq::train {
namespace {

struct Entry {
  std::string name, summary;
  std::function<std::shared_ptr<Network>(const ModelOptions&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    for (int depth : {20, 32, 44, 56}) {
      e.push_back({"resnet" + std::to_string(depth),
                   "CIFAR ResNet-" + std::to_string(depth) + " (He et al. 2016): 16/32/64 channels, option-A shortcuts",
                   [depth](const ModelOptions& o) { return make_resnet_cifar(depth, o); }});
    }
    for (int depth : {18, 34}) {
      e.push_back({"resnet" + std::to_string(depth),
                   "torchvision ResNet-" + std::to_string(depth) + " (small-input stem for <= 64 px)",
                   [depth](const ModelOptions& o) { return make_resnet(depth, o); }});
    }
    e.push_back({"alexnet_bn", "AlexNet with batch norm after every conv and hidden linear, sized to the input",
                 make_alexnet_bn});
    e.push_back({"densenet121", "torchvision DenseNet-121 (small-input stem for <= 64 px)", make_densenet121});
    e.push_back({"densenet_small",
                 "small DenseNet-BC of the Tiny ImageNet replication (TropComplique): growth 12, blocks 8/12/10",
                 make_densenet_small});
    e.push_back({"squeezenet_bn",
                 "SqueezeNet 1.1-like with batch norm and skip connections (the Tiny ImageNet replication's)",
                 make_squeezenet_bn});
    return e;
  }();
  return entries;
}

const Entry& find(const std::string& name) {
  for (const auto& e : registry()) {
    if (e.name == name) return e;
  }
  std::string known;
  for (const auto& e : registry()) known += (known.empty() ? "" : ", ") + e.name;
  throw ArgumentError("unknown model '" + name + "'", "known models: " + known);
}

void check_options(const ModelOptions& o) {
  const auto require = [](bool ok, const std::string& what, const std::string& hint) {
    if (!ok) throw ArgumentError(what, hint);
  };
  require(o.in_channels >= 1 && o.in_channels <= 4096, "in_channels " + std::to_string(o.in_channels) + " is out of range",
          "use 1 (grey) or 3 (RGB)");
  require(o.height >= 1 && o.height <= 4096 && o.width >= 1 && o.width <= 4096,
          "input size " + std::to_string(o.height) + "x" + std::to_string(o.width) + " is out of range",
          "height and width must be 1..4096");
  require(o.num_classes >= 1, "num_classes " + std::to_string(o.num_classes) + " must be at least 1",
          "pass the number of classes of the data set");
}

}  // namespace

std::shared_ptr<Network> make_model(const std::string& name, const ModelOptions& o) {
  const Entry& e = find(name);
  check_options(o);
  auto net = e.make(o);
  // Every window must fit: a too-small input fails here, not in the first forward.
  infer_shapes(net->describe(o.input_shape()));
  return net;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : registry()) names.push_back(e.name);
  return names;
}

std::string model_summary(const std::string& name) {
  std::string line = find(name).name;
  line.resize(16, ' ');
  return line + find(name).summary;
}

}  // namespace ttq::train
