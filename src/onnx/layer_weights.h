// A conv2d's or linear's weights as the ONNX exporters write them: the node's own scale
// and every batch norm fused into it (fused_nodes.h) folded in, the way the runtime folds
// them (docs/RUNTIME.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/graph_shapes.h"
#include "format/model_file.h"
#include "onnx/fused_nodes.h"

namespace ttq::onnx_export {

// fp32: y = conv(x, weight) + bias, weight [O, I/g, kh, kw] or [O, I].
struct FloatLayer {
  std::vector<int64_t> shape;
  std::vector<float> weight;  // ternary codes decoded to {-Wn, 0, +Wp}, times the folded scale
  std::vector<float> bias;    // [O]
};
FloatLayer float_layer(const format::ModelFile& m, const FusedNode& f);

// int8: y = conv(x, weight * weight_scale[o]) + bias, weights s8 per output channel, zero point 0.
struct Int8Layer {
  std::vector<int64_t> shape;
  std::vector<int8_t> weight;       // in [-127, 127]
  std::vector<float> weight_scale;  // [O], every one > 0
  std::vector<float> bias;          // [O], float: the caller quantizes it with its input's scale
  bool ternary = false;
};
// Ternary layers: the runtime's own integer levels (runtime/ternary_levels.h, at most 127,
// error-diffused in the runtime's row order) and its bias correction from the file's
// calibration_mean; a negative folded scale flips that channel's integers. fp32 layers
// (first conv, last FC): symmetric per-channel s8 of their folded weights.
// `shapes`: format::infer_shapes of the model's graph.
Int8Layer int8_layer(const format::ModelFile& m, const FusedNode& f,
                     const std::map<std::string, format::ActivationShape>& shapes);

}  // namespace ttq::onnx_export
