// The base class of every model in the zoo and the options they are built from.
// A Network is a torch::nn::Module whose parameter names follow torchvision and
// which can describe its own inference forward as a format::Graph (what the
// exporter writes and the runtime executes).
#pragma once

#include <torch/nn/module.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "format/graph.h"

namespace ttq::train {

struct ModelOptions {
  int64_t in_channels = 3;
  int64_t height = 32;
  int64_t width = 32;
  int64_t num_classes = 10;
  // Small-input stem (3x3 stride-1 first conv, no early pooling). Unset = auto:
  // on when both height and width are <= 64 (MNIST, CIFAR, Tiny ImageNet).
  std::optional<bool> small_input;

  bool use_small_input() const { return small_input.value_or(height <= 64 && width <= 64); }
  std::array<int64_t, 3> input_shape() const { return {in_channels, height, width}; }
};

class Network : public torch::nn::Module {
 public:
  // x: [N, C, H, W] -> logits [N, num_classes]
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  // The graph of forward() in eval mode for inputs of shape {C, H, W}. Node
  // names are module names ("layer1.0.conv1"), so "<node>.weight" etc. are
  // entries of named_parameters()/named_buffers(). Throws ShapeError when the
  // shape does not fit the model.
  virtual format::Graph describe(std::array<int64_t, 3> input_shape) const = 0;

  std::string arch;       // registry name: "resnet20", "resnet18", ...
  ModelOptions options;   // what it was built from (small_input resolved)

 protected:
  Network(std::string arch_name, const ModelOptions& o);
  // ShapeError unless input_shape has the channels the model was built for.
  void check_channels(const std::array<int64_t, 3>& input_shape) const;
};

// Number of elements over all parameters (trainable and not); buffers excluded.
int64_t count_parameters(const torch::nn::Module& m);

}  // namespace ttq::train
