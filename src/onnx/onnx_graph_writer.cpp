#include "onnx/onnx_graph_writer.h"

#include <cassert>
#include <cstring>

namespace ttq::onnx_export {

std::string OnnxGraphWriter::fresh_name(const std::string& wanted) {
  std::string name = wanted;
  for (int i = 2; used_.count(name) || reserved_.count(name); ++i) name = wanted + "_" + std::to_string(i);
  used_.insert(name);
  return name;
}

void OnnxGraphWriter::reserve_name(const std::string& name) {
  assert(!used_.count(name) && !reserved_.count(name));
  reserved_.insert(name);
}

onnx::NodeProto* OnnxGraphWriter::add_node(const std::string& op, const std::vector<std::string>& inputs,
                                           const std::string& output) {
  onnx::NodeProto* node = graph_->add_node();
  node->set_op_type(op);
  for (const auto& in : inputs) node->add_input(in);
  std::string name;
  if (reserved_.count(output)) {
    reserved_.erase(output);
    used_.insert(output);
    name = output;
  } else {
    name = fresh_name(output);
  }
  node->add_output(name);
  node->set_name(name);  // a node is named after what it writes: unique, and readable in viewers
  return node;
}

onnx::TensorProto* OnnxGraphWriter::add_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                                    int32_t data_type) {
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(fresh_name(name));
  t->set_data_type(data_type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

// Little-endian raw bytes (ONNX's raw_data layout; x86 and ARM Linux are little-endian).
template <class T>
static void set_raw(onnx::TensorProto* t, const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  t->set_raw_data(std::move(bytes));
}

std::string OnnxGraphWriter::add_floats(const std::string& name, const std::vector<int64_t>& dims,
                                        const std::vector<float>& values) {
  onnx::TensorProto* t = add_initializer(name, dims, onnx::TensorProto::FLOAT);
  set_raw(t, values);
  return t->name();
}

std::string OnnxGraphWriter::add_int8s(const std::string& name, const std::vector<int64_t>& dims,
                                       const std::vector<int8_t>& values) {
  onnx::TensorProto* t = add_initializer(name, dims, onnx::TensorProto::INT8);
  set_raw(t, values);
  return t->name();
}

std::string OnnxGraphWriter::add_uint8s(const std::string& name, const std::vector<int64_t>& dims,
                                        const std::vector<uint8_t>& values) {
  onnx::TensorProto* t = add_initializer(name, dims, onnx::TensorProto::UINT8);
  set_raw(t, values);
  return t->name();
}

std::string OnnxGraphWriter::add_int32s(const std::string& name, const std::vector<int64_t>& dims,
                                        const std::vector<int32_t>& values) {
  onnx::TensorProto* t = add_initializer(name, dims, onnx::TensorProto::INT32);
  set_raw(t, values);
  return t->name();
}

void set_int(onnx::NodeProto* node, const char* name, int64_t value) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_ints(onnx::NodeProto* node, const char* name, std::initializer_list<int64_t> values) {
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

}  // namespace ttq::onnx_export
