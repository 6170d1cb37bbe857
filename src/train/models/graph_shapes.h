// Activation shapes of a graph, inferred node by node from its input shape.
// Torch-free: it only reads the graph's ops and attrs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/graph.h"

namespace ttq::train {

// Shape of one image's activation: {C, H, W}, or {F} after flatten / linear.
using ActivationShape = std::vector<int64_t>;

// Every activation of the graph ("input" included) with its shape. Throws
// ShapeError naming the node when an input is too small (a window larger than
// its padded input) or shapes do not fit (add, concat, linear).
std::map<std::string, ActivationShape> infer_shapes(const format::Graph& g);

// "16x32x32" or "10"
std::string shape_string(const ActivationShape& s);

}  // namespace ttq::train
