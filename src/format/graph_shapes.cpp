#include "format/graph_shapes.h"

#include "common/error.h"

namespace ttq::format {
namespace {

const char* kHint = "the graph's attrs do not match its activations; the model file is corrupt or the exporter is wrong";

int64_t attr(const Node& n, const char* key) { return n.attrs.at(key).get<int64_t>(); }
int64_t attr(const Node& n, const char* key, int i) { return n.attrs.at(key).at(i).get<int64_t>(); }

[[noreturn]] void fail(const Node& n, const std::string& what) {
  throw ShapeError("graph node '" + n.name + "' (" + n.op + "): " + what, kHint);
}

const ActivationShape& image(const Node& n, const ActivationShape& s) {
  if (s.size() != 3) fail(n, "needs a [C, H, W] input, got " + shape_to_string(s));
  return s;
}

// Spatial output size of a window op along one axis (floor mode, like PyTorch).
int64_t window_out(const Node& n, int64_t size, int axis) {
  const int64_t k = attr(n, "kernel", axis), s = attr(n, "stride", axis), p = attr(n, "padding", axis);
  if (size + 2 * p < k) {
    fail(n, "kernel " + std::to_string(k) + " is larger than the padded input (" + std::to_string(size) + " + 2*" + std::to_string(p) + ")");
  }
  return (size + 2 * p - k) / s + 1;
}

ActivationShape infer_node(const Node& n, const std::vector<const ActivationShape*>& in) {
  const ActivationShape& x = *in[0];
  if (n.op == "conv2d") {
    image(n, x);
    if (x[0] != attr(n, "in_channels")) {
      fail(n, "in_channels " + std::to_string(attr(n, "in_channels")) + " but its input has " + std::to_string(x[0]) + " channels");
    }
    return {attr(n, "out_channels"), window_out(n, x[1], 0), window_out(n, x[2], 1)};
  }
  if (n.op == "linear") {
    if (x.size() != 1) fail(n, "needs a flat [F] input (add a flatten node), got " + shape_to_string(x));
    if (x[0] != attr(n, "in_features")) {
      fail(n, "in_features " + std::to_string(attr(n, "in_features")) + " but its input has " + std::to_string(x[0]) + " features");
    }
    return {attr(n, "out_features")};
  }
  if (n.op == "batchnorm") {
    if (x.size() != 3 && x.size() != 1) fail(n, "needs a [C, H, W] or [F] input, got " + shape_to_string(x));
    if (x[0] != attr(n, "channels")) {
      fail(n, "channels " + std::to_string(attr(n, "channels")) + " but its input has " + std::to_string(x[0]));
    }
    return x;
  }
  if (n.op == "relu") return x;
  if (n.op == "add") {
    if (*in[1] != x) fail(n, "adds " + shape_to_string(x) + " and " + shape_to_string(*in[1]));
    return x;
  }
  if (n.op == "concat") {
    ActivationShape out = image(n, x);
    for (size_t i = 1; i < in.size(); ++i) {
      const ActivationShape& y = image(n, *in[i]);
      if (y[1] != x[1] || y[2] != x[2]) fail(n, "concatenates " + shape_to_string(x) + " and " + shape_to_string(y));
      out[0] += y[0];
    }
    return out;
  }
  if (n.op == "maxpool2d" || n.op == "avgpool2d") {
    image(n, x);
    for (int axis = 0; axis < 2; ++axis) {
      if (2 * attr(n, "padding", axis) > attr(n, "kernel", axis)) fail(n, "padding must be at most half the kernel");
    }
    return {x[0], window_out(n, x[1], 0), window_out(n, x[2], 1)};
  }
  if (n.op == "global_avgpool") return {image(n, x)[0], 1, 1};
  if (n.op == "flatten") {
    if (x.size() == 1) return x;
    image(n, x);
    return {x[0] * x[1] * x[2]};
  }
  fail(n, "unknown op");
}

int64_t elements(const ActivationShape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (__builtin_mul_overflow(n, d, &n)) return kMaxActivationElements + 1;
  }
  return n;
}

}  // namespace

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::map<std::string, ActivationShape> infer_shapes(const Graph& g) {
  std::map<std::string, ActivationShape> shapes;
  shapes["input"] = {g.input_shape[0], g.input_shape[1], g.input_shape[2]};
  if (elements(shapes["input"]) > kMaxActivationElements) {
    throw ShapeError("graph input " + shape_to_string(shapes["input"]) + " is too large", kHint);
  }
  for (const Node& n : g.nodes) {
    std::vector<const ActivationShape*> in;
    for (const auto& name : n.inputs) {
      const auto it = shapes.find(name);
      if (it == shapes.end()) fail(n, "reads '" + name + "' before it is defined");
      in.push_back(&it->second);
    }
    if (in.empty()) fail(n, "has no inputs");
    ActivationShape out;
    try {
      out = infer_node(n, in);
    } catch (const nlohmann::json::exception&) {
      fail(n, "attrs are missing or not integers");  // Graph::from_json rules these out
    }
    if (elements(out) > kMaxActivationElements) fail(n, "output " + shape_to_string(out) + " is too large");
    if (!shapes.emplace(n.output, std::move(out)).second) fail(n, "redefines activation '" + n.output + "'");
  }
  if (!shapes.count(g.output)) throw ShapeError("graph output '" + g.output + "' is never defined", kHint);
  return shapes;
}

}  // namespace ttq::format
