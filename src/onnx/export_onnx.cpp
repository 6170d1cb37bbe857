#include "onnx/export_onnx.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "format/graph_shapes.h"
#include "onnx/exporters.h"

namespace ttq::onnx_export {
namespace {

void set_float_tensor_type(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& per_image) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  for (int64_t d : per_image) shape->add_dim()->set_dim_value(d);
}

void add_metadata(onnx::ModelProto* p, const std::string& key, const std::string& value) {
  auto* kv = p->add_metadata_props();
  kv->set_key(key);
  kv->set_value(value);
}

// What ONNX's own tools check (the Python checker's full_check): structure, then types and
// shapes inferred node by node, strictly.
void check(const onnx::ModelProto& p) {
  try {
    onnx::checker::check_model(p);
    onnx::ModelProto inferred = p;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*error_mode=*/1));
  } catch (const std::exception& e) {
    throw std::logic_error(std::string("the ONNX graph written for '") + p.graph().name() +
                           "' fails ONNX's checks (a bug in ttq's ONNX export): " + e.what());
  }
}

}  // namespace

onnx::ModelProto export_onnx(const format::ModelFile& m, OnnxPrecision precision) {
  onnx::ModelProto p;
  p.set_ir_version(onnx::IR_VERSION);
  p.set_producer_name("ttq");
  p.set_producer_version("0.1.0");
  auto* opset = p.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  p.set_doc_string("ttq model '" + m.architecture + "', " + onnx_precision_name(precision) +
                   "; input: NCHW, (pixel / 255 - input_mean) / input_std");
  add_metadata(&p, "ttq_precision", onnx_precision_name(precision));
  add_metadata(&p, "input_mean", nlohmann::json(m.input_mean).dump());
  add_metadata(&p, "input_std", nlohmann::json(m.input_std).dump());

  onnx::GraphProto* g = p.mutable_graph();
  g->set_name(m.architecture.empty() ? "ttq" : m.architecture);
  const auto shapes = format::infer_shapes(m.graph);
  const auto& in = m.graph.input_shape;
  set_float_tensor_type(g->add_input(), "input", {in[0], in[1], in[2]});
  set_float_tensor_type(g->add_output(), "logits", shapes.at(m.graph.output));

  OnnxGraphWriter w(g);
  w.mark_defined("input");  // the graph input: no node may write it
  w.reserve_name("logits");
  if (precision == OnnxPrecision::fp32) {
    write_fp32_graph(m, w);
  } else {
    write_qdq_graph(m, w);
  }
  check(p);
  return p;
}

}  // namespace ttq::onnx_export
