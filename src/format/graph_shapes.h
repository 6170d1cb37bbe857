// Shape inference over a Graph: checks that every node's attrs fit the activations
// it reads, and returns each activation's shape. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/graph.h"

namespace ttq::format {

// Shape of one activation without the batch dim: [C, H, W] for images, [F] once
// flattened (after flatten or linear).
using ActivationShape = std::vector<int64_t>;

// Largest activation (elements of one image) a graph may define.
constexpr int64_t kMaxActivationElements = int64_t(1) << 31;

// Shapes of "input" and of every node's output. Throws ShapeError naming the node
// when shapes do not fit:
//   conv2d    input [C,H,W] with C == in_channels; (H + 2p - k) / s + 1 >= 1
//   linear    input [F] with F == in_features (flatten first)
//   batchnorm input's first dim == channels ([C,H,W] or [F])
//   add       both inputs the same shape;  concat: all [C_i,H,W] with equal H, W
//   maxpool2d/avgpool2d  input [C,H,W]; padding <= kernel / 2; output >= 1
//   global_avgpool  [C,H,W] -> [C,1,1];  flatten [C,H,W] -> [C*H*W] ([F] stays)
// and when an activation would exceed kMaxActivationElements.
std::map<std::string, ActivationShape> infer_shapes(const Graph& g);

std::string shape_to_string(const std::vector<int64_t>& shape);  // "[3, 32, 32]"

}  // namespace ttq::format
