// What `ttq export --onnx-precision` asks for, parsed once at the edge.
#pragma once

#include <string>

namespace ttq::onnx_export {

enum class OnnxPrecision {
  fp32,  // every layer float, batch norms folded, ternary weights as {-Wn, 0, +Wp}
  int8,  // QDQ: u8 activations, s8 per-channel weights, int32 biases (ONNX Runtime's QLinear ops)
};

// "fp32" or "int8"; anything else is an ArgumentError whose hint lists both.
OnnxPrecision parse_onnx_precision(const std::string& text);
const char* onnx_precision_name(OnnxPrecision p);

}  // namespace ttq::onnx_export
