// ONNX model files on disk, and what ONNX Runtime's optimizer made of one.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <string>

namespace ttq::onnx_export {

// Runs onnx::checker::check_model, then writes atomically (common/atomic_file.h): a
// failure leaves no file behind. Throws FileError.
void save_onnx_model(const onnx::ModelProto& model, const std::string& path);
// Throws FileError (cannot read) or FormatError (not an ONNX model).
onnx::ModelProto load_onnx_model(const std::string& path);

// How many nodes of each op type a graph has, keyed "QLinearConv", or "domain:op" outside
// the default domain ("com.microsoft:QLinearAdd").
std::map<std::string, int> op_counts(const onnx::ModelProto& model);
// Nodes of one op type in any domain: ONNX Runtime's optimizer moves ops into its own
// (com.microsoft:QLinearConv is its NHWC QLinearConv, com.microsoft.nchwc:Conv a float conv).
int op_count(const std::map<std::string, int>& counts, const std::string& op_type);

}  // namespace ttq::onnx_export
