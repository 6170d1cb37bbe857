// The per-layer table `ttq info` prints: every conv / linear / batch-norm node
// of a model's graph with its shapes, parameter count and multiply-accumulates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "train/models/network.h"

namespace ttq::train {

struct LayerInfo {
  std::string name;                     // module name: "layer1.0.conv1"
  std::string type;                     // graph op: "conv2d", "linear", "batchnorm"
  std::string detail;                   // "3x3 s2 p1", "fixed" for a buffer weight (option-A shortcut)
  std::vector<int64_t> in_shape, out_shape;  // one image: {C,H,W} or {F}
  int64_t params = 0;                   // elements of the parameters named "<name>.*"
  int64_t macs = 0;                     // multiply-accumulates per image (batch norm: one per element)
};

// One row per conv/linear/batchnorm node of net.describe(input_shape), in graph
// order. The rows' params add up to count_parameters(net): every parameter of
// the zoo's models belongs to one of these layers.
std::vector<LayerInfo> layer_table(Network& net, std::array<int64_t, 3> input_shape);

// Aligned text table with a "total" line (parameters and MACs summed over rows).
std::string format_layer_table(const std::vector<LayerInfo>& rows);

}  // namespace ttq::train
