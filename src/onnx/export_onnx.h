// A ttq model as an ONNX model (opset 13), torch-free: docs/ONNX.md.
//
//   onnx::ModelProto p = export_onnx(format::load_model_file("m.ttq"), OnnxPrecision::int8);
//   save_onnx_model(p, "m.onnx");   // onnx_file.h
//
// Input "input": float NCHW [batch, C, H, W], normalized as ttq::Model::run takes it
// ((pixel / 255 - mean) / std; the model's metadata_props carry mean and std); output
// "logits": float [batch, classes].
#pragma once

#include <onnx/onnx_pb.h>

#include "format/model_file.h"
#include "onnx/onnx_precision.h"

namespace ttq::onnx_export {

constexpr int kOnnxOpset = 13;

// Throws FormatError when the file lacks what the precision needs (int8: calibration of an
// activation it quantizes); the model returned has passed onnx::checker::check_model and
// ONNX's strict shape inference (a failure there is a bug here: std::logic_error).
onnx::ModelProto export_onnx(const format::ModelFile& m, OnnxPrecision precision);

}  // namespace ttq::onnx_export
