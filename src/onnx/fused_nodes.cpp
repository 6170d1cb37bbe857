#include "onnx/fused_nodes.h"

#include "common/error.h"

namespace ttq::onnx_export {
namespace {

FusedKind kind_of(const format::Node& n) {
  static const std::map<std::string, FusedKind> kinds = {
      {"conv2d", FusedKind::conv},       {"linear", FusedKind::linear},     {"batchnorm", FusedKind::batchnorm},
      {"relu", FusedKind::relu},         {"add", FusedKind::add},           {"concat", FusedKind::concat},
      {"maxpool2d", FusedKind::maxpool}, {"avgpool2d", FusedKind::avgpool}, {"global_avgpool", FusedKind::global_avgpool},
      {"flatten", FusedKind::flatten}};
  auto it = kinds.find(n.op);
  if (it == kinds.end()) {
    throw FormatError("node '" + n.name + "' has op '" + n.op + "', which the ONNX export does not know",
                      "export a model of the ops in docs/FORMAT.md");
  }
  return it->second;
}

}  // namespace

std::vector<FusedNode> fuse_nodes(const format::Graph& g) {
  std::map<std::string, std::vector<size_t>> readers;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const auto& in : g.nodes[i].inputs) readers[in].push_back(i);
  }
  std::vector<bool> absorbed(g.nodes.size(), false);
  // The node that alone reads activation a, if a is not the graph output and no other
  // fused node has taken that reader: a batch norm or relu that may join a's producer.
  const auto sole_reader = [&](const std::string& a, const char* op) -> const format::Node* {
    auto it = readers.find(a);
    if (a == g.output || it == readers.end() || it->second.size() != 1) return nullptr;
    const size_t j = it->second[0];
    if (absorbed[j] || g.nodes[j].op != op) return nullptr;
    absorbed[j] = true;
    return &g.nodes[j];
  };

  std::vector<FusedNode> out;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (absorbed[i]) continue;
    const format::Node& n = g.nodes[i];
    FusedNode f{kind_of(n), &n, {}, false, n.inputs, n.output};
    if (f.kind == FusedKind::conv || f.kind == FusedKind::linear) {
      while (const format::Node* bn = sole_reader(f.output, "batchnorm")) {
        f.batchnorms.push_back(bn);
        f.output = bn->output;
      }
    }
    if (f.kind == FusedKind::conv || f.kind == FusedKind::linear || f.kind == FusedKind::add ||
        f.kind == FusedKind::batchnorm) {
      if (const format::Node* relu = sole_reader(f.output, "relu")) {
        f.relu = true;
        f.output = relu->output;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::map<std::string, bool> nonnegative_activations(const format::Graph& g) {
  std::map<std::string, bool> nonneg{{"input", false}};
  for (const format::Node& n : g.nodes) {
    bool v = false;
    if (n.op == "relu") {
      v = true;
    } else if (n.op == "add" || n.op == "concat") {
      v = true;
      for (const auto& in : n.inputs) v = v && nonneg.at(in);
    } else if (n.op == "maxpool2d" || n.op == "avgpool2d" || n.op == "global_avgpool" || n.op == "flatten") {
      v = nonneg.at(n.inputs.at(0));
    }
    nonneg[n.output] = v;
  }
  return nonneg;
}

}  // namespace ttq::onnx_export
