// The network graph stored in a model file's metadata: what the exporter
// writes and the runtime executes. Torch-free; see docs/FORMAT.md.
//
// A graph is a list of nodes in execution order. Each node reads named
// activations (the graph input is called "input") and writes one named
// activation. Activations are NCHW in meaning (the runtime stores NHWC).
//
// Ops and their attrs (all ints unless said):
//   conv2d        in_channels, out_channels, kernel[2], stride[2], padding[2], groups
//                 tensors: <name>.weight [O, I/groups, kh, kw] (fp32 or ternary),
//                          <name>.scale [O] (optional; per-output-channel multiplier, from folded BN),
//                          <name>.bias [O] (optional)
//                 y = conv(x, weight) * scale + bias
//                 optional bool attr int8: an fp32-weight conv that reads the graph input runs
//                 in int8 in the runtime (s8 weights per output channel, u8 input with a zero
//                 point), e.g. an image network's first conv (`ttq export --int8-first-conv`)
//   linear        in_features, out_features; tensors <name>.weight [out, in], <name>.scale?, <name>.bias?
//   batchnorm     channels; tensors <name>.scale [C], <name>.bias [C]   (y = x*scale + bias, eval mode)
//   relu          -
//   add           two inputs, same shape
//   concat        n inputs along channels
//   maxpool2d     kernel[2], stride[2], padding[2]
//   avgpool2d     kernel[2], stride[2], padding[2]  (count_include_pad = true)
//   global_avgpool  -   (N,C,H,W) -> (N,C,1,1)
//   flatten       -   (N,C,H,W) -> (N,C*H*W)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ttq::format {

struct Node {
  std::string op;                   // one of the ops above
  std::string name;                 // unique; prefix of its tensors ("layer1.0.conv1")
  std::vector<std::string> inputs;  // activation names
  std::string output;               // activation name it defines
  nlohmann::json attrs = nlohmann::json::object();
};

struct Graph {
  std::array<int64_t, 3> input_shape{};  // C, H, W of one input image
  std::vector<Node> nodes;
  std::string output;  // the activation holding the logits

  nlohmann::json to_json() const;
  // Validates: known ops, attrs present and sane, every input defined before use,
  // unique names and outputs, output defined. Throws FormatError.
  static Graph from_json(const nlohmann::json& j);
};

// Helps a model describe itself: returns fresh activation names.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::array<int64_t, 3> input_shape) { graph_.input_shape = input_shape; }
  std::string input() const { return "input"; }
  std::string conv2d(const std::string& name, const std::string& x, int64_t in_ch, int64_t out_ch,
                     int64_t kernel, int64_t stride, int64_t padding, int64_t groups = 1);
  std::string linear(const std::string& name, const std::string& x, int64_t in_f, int64_t out_f);
  std::string batchnorm(const std::string& name, const std::string& x, int64_t channels);
  std::string relu(const std::string& x);
  std::string add(const std::string& a, const std::string& b);
  std::string concat(const std::vector<std::string>& xs);
  std::string maxpool2d(const std::string& x, int64_t kernel, int64_t stride, int64_t padding);
  std::string avgpool2d(const std::string& x, int64_t kernel, int64_t stride, int64_t padding);
  std::string global_avgpool(const std::string& x);
  std::string flatten(const std::string& x);
  Graph finish(const std::string& output);

 private:
  std::string emit(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   nlohmann::json attrs);
  Graph graph_;
  int counter_ = 0;
};

}  // namespace ttq::format
