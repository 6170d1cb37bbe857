#include "format/model_validation.h"

#include <cmath>
#include <set>

#include "common/error.h"
#include "format/graph_shapes.h"

namespace ttq::format {
namespace {

const char* kHint = "the model file is corrupt or was written by an incompatible exporter";

[[noreturn]] void fail(const std::string& what) { throw FormatError(what, kHint); }

// What a graph node expects of one tensor.
struct Expectation {
  std::vector<int64_t> shape;
  bool ternary_allowed = false;
  bool required = false;
  std::string node;
};

void expect(std::map<std::string, Expectation>* out, const std::string& tensor, Expectation e) {
  if (!out->emplace(tensor, std::move(e)).second) fail("tensor '" + tensor + "' is claimed by two graph nodes");
}

std::map<std::string, Expectation> expected_tensors(const Graph& g) {
  std::map<std::string, Expectation> out;
  for (const Node& n : g.nodes) {
    const auto a = [&](const char* key) { return n.attrs.at(key).get<int64_t>(); };
    std::vector<int64_t> weight_shape;
    int64_t channels = 0;
    if (n.op == "conv2d") {
      channels = a("out_channels");
      weight_shape = {channels, a("in_channels") / a("groups"), n.attrs.at("kernel").at(0).get<int64_t>(),
                      n.attrs.at("kernel").at(1).get<int64_t>()};
    } else if (n.op == "linear") {
      channels = a("out_features");
      weight_shape = {channels, a("in_features")};
    } else if (n.op == "batchnorm") {
      channels = a("channels");
    } else {
      continue;
    }
    const bool is_bn = n.op == "batchnorm";
    if (!is_bn) expect(&out, n.name + ".weight", {weight_shape, true, true, n.name});
    expect(&out, n.name + ".scale", {{channels}, false, is_bn, n.name});
    expect(&out, n.name + ".bias", {{channels}, false, is_bn, n.name});
  }
  return out;
}

void check_tensor_data(const std::string& name, const Tensor& t) {
  const std::string where = "tensor '" + name + "'";
  int64_t numel = 0;
  try {
    numel = t.numel();
  } catch (const ShapeError& e) {
    fail(where + ": " + e.what());
  }
  if (t.encoding == Encoding::fp32) {
    if (static_cast<int64_t>(t.values.size()) != numel || !t.codes.empty()) {
      fail(where + ": fp32 tensor of shape " + shape_to_string(t.shape) + " must have " + std::to_string(numel) +
           " values and no codes (has " + std::to_string(t.values.size()) + " values, " + std::to_string(t.codes.size()) + " codes)");
    }
    for (size_t i = 0; i < t.values.size(); ++i) {
      if (!std::isfinite(t.values[i])) fail(where + ": value " + std::to_string(i) + " is not finite");
    }
    return;
  }
  if (static_cast<int64_t>(t.codes.size()) != numel || !t.values.empty()) {
    fail(where + ": ternary tensor of shape " + shape_to_string(t.shape) + " must have " + std::to_string(numel) +
         " codes and no values (has " + std::to_string(t.codes.size()) + " codes, " + std::to_string(t.values.size()) + " values)");
  }
  for (size_t i = 0; i < t.codes.size(); ++i) {
    if (t.codes[i] < -1 || t.codes[i] > 1) fail(where + ": code " + std::to_string(i) + " is " + std::to_string(t.codes[i]) + ", not -1, 0 or +1");
  }
  if (!std::isfinite(t.wp) || !std::isfinite(t.wn)) fail(where + ": wp and wn must be finite");
}

void check_tensors_against_graph(const ModelFile& m) {
  const auto expected = expected_tensors(m.graph);
  for (const auto& [name, e] : expected) {
    const auto it = m.tensors.find(name);
    if (it == m.tensors.end()) {
      if (e.required) fail("graph node '" + e.node + "' needs tensor '" + name + "', which is missing");
      continue;
    }
    const Tensor& t = it->second;
    if (t.shape != e.shape) {
      fail("tensor '" + name + "' has shape " + shape_to_string(t.shape) + " but graph node '" + e.node + "' needs " + shape_to_string(e.shape));
    }
    if (t.encoding != Encoding::fp32 && !e.ternary_allowed) fail("tensor '" + name + "' must be fp32, not " + encoding_name(t.encoding));
  }
  for (const auto& [name, t] : m.tensors) {
    if (!expected.count(name)) fail("tensor '" + name + "' is not used by any graph node");
  }
}

// One value per channel of `owner` (the input image, an activation).
void check_per_channel(const std::vector<float>& v, const std::string& what, const std::string& owner, int64_t channels,
                       bool positive) {
  if (static_cast<int64_t>(v.size()) != channels) {
    fail(what + " has " + std::to_string(v.size()) + " values but " + owner + " has " + std::to_string(channels) + " channels");
  }
  for (float x : v) {
    if (!std::isfinite(x) || (positive && x <= 0.f)) fail(what + " values must be finite" + (positive ? " and > 0" : ""));
  }
}

}  // namespace

void validate_model(const ModelFile& m, bool graph_checked) {
  if (!graph_checked) Graph::from_json(m.graph.to_json());  // a graph built by hand has not been through its checks yet
  const auto shapes = infer_shapes(m.graph);
  if (m.num_classes < 1) fail("num_classes is " + std::to_string(m.num_classes) + ", must be >= 1");
  int64_t outputs = 1;
  for (int64_t d : shapes.at(m.graph.output)) outputs *= d;  // bounded by kMaxActivationElements
  if (outputs != m.num_classes) {
    fail("num_classes is " + std::to_string(m.num_classes) + " but graph output '" + m.graph.output + "' has shape " +
         shape_to_string(shapes.at(m.graph.output)));
  }
  check_per_channel(m.input_mean, "input_mean", "the input", m.graph.input_shape[0], false);
  check_per_channel(m.input_std, "input_std", "the input", m.graph.input_shape[0], true);
  for (const auto& [name, value] : m.calibration) {
    if (!shapes.count(name)) fail("calibration names activation '" + name + "', which the graph does not define");
    if (!std::isfinite(value) || value <= 0.f) fail("calibration of activation '" + name + "' must be finite and > 0");
  }
  for (const auto& [name, means] : m.calibration_mean) {
    const auto it = shapes.find(name);
    if (it == shapes.end()) fail("calibration_mean names activation '" + name + "', which the graph does not define");
    check_per_channel(means, "calibration_mean of '" + name + "'", "that activation", it->second.at(0), false);
  }
  if (!m.info.is_object()) fail("info must be a JSON object");
  for (const auto& [name, t] : m.tensors) check_tensor_data(name, t);
  check_tensors_against_graph(m);
}

}  // namespace ttq::format
