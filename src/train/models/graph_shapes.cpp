#include "train/models/graph_shapes.h"

#include <algorithm>

#include "common/error.h"

namespace ttq::train {
namespace {

[[noreturn]] void fail(const format::Node& n, const std::string& what) {
  throw ShapeError("node '" + n.name + "' (" + n.op + "): " + what, "the input image is too small for this model, or the graph is inconsistent");
}

int64_t window_out(const format::Node& n, int64_t x, int i) {
  const int64_t k = n.attrs["kernel"][i], s = n.attrs["stride"][i], p = n.attrs["padding"][i];
  if (x + 2 * p < k) fail(n, "window " + std::to_string(k) + " does not fit an input side of " + std::to_string(x));
  return (x + 2 * p - k) / s + 1;
}

ActivationShape spatial(const format::Node& n, const ActivationShape& in) {
  if (in.size() != 3) fail(n, "needs a CxHxW input, got " + shape_string(in));
  return {in[0], window_out(n, in[1], 0), window_out(n, in[2], 1)};
}

}  // namespace

std::string shape_string(const ActivationShape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + std::to_string(s[i]);
  return out;
}

std::map<std::string, ActivationShape> infer_shapes(const format::Graph& g) {
  std::map<std::string, ActivationShape> shapes{{"input", {g.input_shape[0], g.input_shape[1], g.input_shape[2]}}};
  for (const auto& n : g.nodes) {
    const ActivationShape& in = shapes.at(n.inputs.at(0));
    ActivationShape out;
    if (n.op == "conv2d") {
      if (in.size() != 3 || in[0] != n.attrs["in_channels"].get<int64_t>()) fail(n, "input " + shape_string(in) + " does not match in_channels");
      out = spatial(n, in);
      out[0] = n.attrs["out_channels"];
    } else if (n.op == "maxpool2d" || n.op == "avgpool2d") {
      out = spatial(n, in);
    } else if (n.op == "linear") {
      if (in.size() != 1 || in[0] != n.attrs["in_features"].get<int64_t>()) fail(n, "input " + shape_string(in) + " does not match in_features");
      out = {n.attrs["out_features"].get<int64_t>()};
    } else if (n.op == "batchnorm") {
      if (in[0] != n.attrs["channels"].get<int64_t>()) fail(n, "input " + shape_string(in) + " does not match channels");
      out = in;
    } else if (n.op == "relu") {
      out = in;
    } else if (n.op == "add") {
      if (shapes.at(n.inputs[1]) != in) fail(n, "adds " + shape_string(in) + " and " + shape_string(shapes.at(n.inputs[1])));
      out = in;
    } else if (n.op == "concat") {
      out = in;
      for (size_t i = 1; i < n.inputs.size(); ++i) {
        const auto& other = shapes.at(n.inputs[i]);
        if (other.size() != in.size() || !std::equal(in.begin() + 1, in.end(), other.begin() + 1)) {
          fail(n, "concatenates " + shape_string(in) + " and " + shape_string(other));
        }
        out[0] += other[0];
      }
    } else if (n.op == "global_avgpool") {
      if (in.size() != 3) fail(n, "needs a CxHxW input");
      out = {in[0], 1, 1};
    } else if (n.op == "flatten") {
      int64_t f = 1;
      for (auto d : in) f *= d;
      out = {f};
    } else {
      fail(n, "unknown op");
    }
    shapes[n.output] = out;
  }
  return shapes;
}

}  // namespace ttq::train
