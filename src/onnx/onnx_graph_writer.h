// Appends nodes and initializers to an ONNX GraphProto under names that are never reused
// (ONNX wants every tensor defined once; ttq's activation and tensor names are kept
// where they are free, so the graph reads like the model file).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

namespace ttq::onnx_export {

class OnnxGraphWriter {
 public:
  explicit OnnxGraphWriter(onnx::GraphProto* graph) : graph_(graph) {}

  // `wanted` if no tensor has that name yet, else wanted + "_2", "_3", ...
  std::string fresh_name(const std::string& wanted);
  // Keeps `name` for the one node that will write it (the graph's output); it must be free.
  void reserve_name(const std::string& name);
  // A name defined outside the nodes and initializers (the graph's input).
  void mark_defined(const std::string& name) { used_.insert(name); }

  // A node reading `inputs` and writing one tensor named fresh_name(output) (or exactly
  // `output` when it was reserved by reserve_name and not yet written). Returns the node.
  onnx::NodeProto* add_node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output);
  static const std::string& output_of(const onnx::NodeProto* node) { return node->output(0); }

  // Initializers; each returns its (fresh) name. An empty dims is a scalar.
  std::string add_floats(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values);
  std::string add_int8s(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& values);
  std::string add_uint8s(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& values);
  std::string add_int32s(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int32_t>& values);

 private:
  onnx::TensorProto* add_initializer(const std::string& name, const std::vector<int64_t>& dims, int32_t data_type);
  onnx::GraphProto* graph_;
  std::set<std::string> used_, reserved_;
};

void set_int(onnx::NodeProto* node, const char* name, int64_t value);
void set_ints(onnx::NodeProto* node, const char* name, std::initializer_list<int64_t> values);

}  // namespace ttq::onnx_export
