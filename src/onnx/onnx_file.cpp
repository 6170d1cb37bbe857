#include "onnx/onnx_file.h"

#include <onnx/checker.h>

#include <stdexcept>

#include "common/atomic_file.h"
#include "common/error.h"

namespace ttq::onnx_export {

void save_onnx_model(const onnx::ModelProto& model, const std::string& path) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw std::logic_error("refusing to write '" + path + "', which fails onnx::checker: " + e.what());
  }
  write_file_atomically(path, [&](std::ostream& out) {
    if (!model.SerializeToOstream(&out)) throw FileError("cannot serialize the ONNX model for '" + path + "'", "is it over 2 GB?");
  });
}

onnx::ModelProto load_onnx_model(const std::string& path) {
  const std::string bytes = read_file(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes) || !model.has_graph()) {
    throw FormatError("'" + path + "' is not an ONNX model", "pass a .onnx file");
  }
  return model;
}

std::map<std::string, int> op_counts(const onnx::ModelProto& model) {
  std::map<std::string, int> counts;
  for (const auto& node : model.graph().node()) {
    const bool standard = node.domain().empty() || node.domain() == "ai.onnx";
    ++counts[standard ? node.op_type() : node.domain() + ":" + node.op_type()];
  }
  return counts;
}

int op_count(const std::map<std::string, int>& counts, const std::string& op_type) {
  int n = 0;
  for (const auto& [key, count] : counts) {
    const size_t colon = key.rfind(':');
    if ((colon == std::string::npos ? key : key.substr(colon + 1)) == op_type) n += count;
  }
  return n;
}

}  // namespace ttq::onnx_export
