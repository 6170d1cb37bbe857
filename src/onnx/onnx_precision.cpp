#include "onnx/onnx_precision.h"

#include "common/error.h"

namespace ttq::onnx_export {

OnnxPrecision parse_onnx_precision(const std::string& text) {
  if (text == "fp32") return OnnxPrecision::fp32;
  if (text == "int8") return OnnxPrecision::int8;
  throw ArgumentError("unknown ONNX precision '" + text + "'", "use --onnx-precision fp32 or int8");
}

const char* onnx_precision_name(OnnxPrecision p) { return p == OnnxPrecision::fp32 ? "fp32" : "int8"; }

}  // namespace ttq::onnx_export
