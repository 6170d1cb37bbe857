#include "onnx/onnx_emitter.h"

namespace ttq::onnx_export {
namespace {

int pair_at(const format::Node& n, const char* key, int i) { return n.attrs.at(key).at(i).get<int>(); }

// A window's attributes as ONNX's Conv, MaxPool and AveragePool take them (floor mode).
void set_window(onnx::NodeProto* node, const format::Node& n) {
  set_ints(node, "kernel_shape", {pair_at(n, "kernel", 0), pair_at(n, "kernel", 1)});
  set_ints(node, "strides", {pair_at(n, "stride", 0), pair_at(n, "stride", 1)});
  const int64_t ph = pair_at(n, "padding", 0), pw = pair_at(n, "padding", 1);
  set_ints(node, "pads", {ph, pw, ph, pw});
}

}  // namespace

OnnxEmitter::OnnxEmitter(const format::ModelFile& m, OnnxGraphWriter& w)
    : m_(m), w_(w), shapes_(format::infer_shapes(m.graph)) {}

std::string OnnxEmitter::name_for(const std::string& activation) const {
  return activation == m_.graph.output ? "logits" : activation;
}

void OnnxEmitter::emit_graph() {
  written_["input"] = "input";
  for (const FusedNode& f : fuse_nodes(m_.graph)) emit(f);
  // A graph whose output is its input, or defined before the last node: still "logits".
  if (written_.at(m_.graph.output) != "logits") w_.add_node("Identity", {read(m_.graph.output)}, "logits");
}

std::string OnnxEmitter::flat_input(const std::string& activation) {
  if (shapes_.at(activation).size() == 1) return activation;
  // A linear layer may read a [C, H, W] map directly: flatten it first, as a node of its own.
  const std::string flat = activation + ".flat";
  if (!written_.count(flat)) {
    const auto& s = shapes_.at(activation);
    shapes_[flat] = {s[0] * s[1] * s[2]};
    onnx::NodeProto* node = w_.add_node("Flatten", {read(activation)}, flat);
    set_int(node, "axis", 1);
    written_[flat] = OnnxGraphWriter::output_of(node);
    passes_through(flat, activation);
  }
  return flat;
}

std::string OnnxEmitter::emit_layer(const FusedNode& f) {
  const format::Node& n = *f.node;
  const std::string in = f.kind == FusedKind::linear ? flat_input(f.inputs.at(0)) : f.inputs.at(0);
  const std::string x = read(in);
  const LayerTensors t = layer_tensors(f, in);
  const std::string out = f.relu ? n.name : name_for(f.output);
  onnx::NodeProto* node;
  if (f.kind == FusedKind::conv) {
    node = w_.add_node("Conv", {x, t.weight, t.bias}, out);
    set_window(node, n);
    set_int(node, "group", n.attrs.at("groups").get<int64_t>());
  } else {
    node = w_.add_node("Gemm", {x, t.weight, t.bias}, out);
    set_int(node, "transB", 1);
  }
  return OnnxGraphWriter::output_of(node);
}

void OnnxEmitter::emit(const FusedNode& f) {
  const format::Node& n = *f.node;
  const std::string out = f.relu ? n.output : name_for(f.output);
  std::string y;
  switch (f.kind) {
    case FusedKind::conv:
    case FusedKind::linear:
      y = emit_layer(f);
      break;
    case FusedKind::batchnorm: {
      // y = x * scale + bias per channel: [C, 1, 1] broadcasts over a map, [C] over features.
      const auto& shape = shapes_.at(f.inputs.at(0));
      std::vector<int64_t> dims{shape.at(0)};
      if (shape.size() == 3) dims = {shape[0], 1, 1};
      const std::string s = w_.add_floats(n.name + ".scale", dims, m_.tensors.at(n.name + ".scale").values);
      const std::string b = w_.add_floats(n.name + ".bias", dims, m_.tensors.at(n.name + ".bias").values);
      const std::string scaled = OnnxGraphWriter::output_of(w_.add_node("Mul", {read(f.inputs[0]), s}, n.name + ".scaled"));
      y = OnnxGraphWriter::output_of(w_.add_node("Add", {scaled, b}, out));
      break;
    }
    case FusedKind::relu:
      y = OnnxGraphWriter::output_of(w_.add_node("Relu", {read(f.inputs[0])}, out));
      break;
    case FusedKind::add:
      y = OnnxGraphWriter::output_of(w_.add_node("Add", {read(f.inputs.at(0)), read(f.inputs.at(1))}, out));
      break;
    case FusedKind::concat: {
      std::vector<std::string> xs;
      for (const auto& in : f.inputs) xs.push_back(read(in));
      onnx::NodeProto* node = w_.add_node("Concat", xs, out);
      set_int(node, "axis", 1);
      y = OnnxGraphWriter::output_of(node);
      break;
    }
    case FusedKind::maxpool:
    case FusedKind::avgpool: {
      const bool max = f.kind == FusedKind::maxpool;
      onnx::NodeProto* node = w_.add_node(max ? "MaxPool" : "AveragePool", {read(f.inputs.at(0))}, out);
      set_window(node, n);
      if (!max) set_int(node, "count_include_pad", 1);  // ttq's average counts the padding
      y = OnnxGraphWriter::output_of(node);
      break;
    }
    case FusedKind::global_avgpool:
      y = OnnxGraphWriter::output_of(w_.add_node("GlobalAveragePool", {read(f.inputs.at(0))}, out));
      break;
    case FusedKind::flatten: {
      onnx::NodeProto* node = w_.add_node("Flatten", {read(f.inputs.at(0))}, out);
      set_int(node, "axis", 1);
      y = OnnxGraphWriter::output_of(node);
      break;
    }
  }
  if (f.relu) y = OnnxGraphWriter::output_of(w_.add_node("Relu", {y}, name_for(f.output)));
  written_[f.output] = y;
  if (f.kind == FusedKind::maxpool || f.kind == FusedKind::flatten) passes_through(f.output, f.inputs.at(0));
}

}  // namespace ttq::onnx_export
