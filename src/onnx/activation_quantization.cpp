#include "onnx/activation_quantization.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "onnx/fused_nodes.h"

namespace ttq::onnx_export {
namespace {

// Same floor as the runtime's calibrated_scale(): a zero or tiny maximum is not a zero scale.
constexpr float kMinRange = 1e-12f;

// u8 covering [lo, hi] (lo <= 0 <= hi), zero exactly representable.
ActivationQuantization covering(float lo, float hi) {
  ActivationQuantization q;
  q.scale = std::max(hi - lo, kMinRange) / 255.f;
  q.zero_point = static_cast<uint8_t>(std::clamp(std::lround(-lo / q.scale), 0l, 255l));
  return q;
}

}  // namespace

ActivationQuantizer::ActivationQuantizer(const format::ModelFile& m)
    : m_(m), nonnegative_(nonnegative_activations(m.graph)) {
  for (const format::Node& n : m.graph.nodes)
    for (const auto& in : n.inputs) readers_[in].push_back(&n);
}

float ActivationQuantizer::largest(const std::string& activation) const {
  auto it = m_.calibration.find(activation);
  if (it == m_.calibration.end() || !std::isfinite(it->second)) {
    throw FormatError("activation '" + activation + "' has no calibration, which the int8 ONNX export needs",
                      "re-export the model with ttq export, which calibrates every activation, or use --onnx-precision fp32");
  }
  return std::max(it->second, kMinRange);
}

ActivationQuantization ActivationQuantizer::operator()(const std::string& activation) const {
  if (activation == "input") {
    float lo = 0.f, hi = 0.f;
    for (size_t c = 0; c < m_.input_mean.size() && c < m_.input_std.size(); ++c) {
      lo = std::min(lo, (0.f - m_.input_mean[c]) / m_.input_std[c]);
      hi = std::max(hi, (1.f - m_.input_mean[c]) / m_.input_std[c]);
    }
    return covering(lo, hi);
  }
  const float hi = largest(activation);
  if (nonnegative_.at(activation)) return {hi / 255.f, 0};

  // Read only by adds whose sole reader is a relu: values below minus the other input's
  // largest give 0 after the relu wherever they are cut.
  auto readers = readers_.find(activation);
  float reach = 0.f;
  bool only_relu_adds = readers != readers_.end() && activation != m_.graph.output;
  for (const format::Node* add : only_relu_adds ? readers->second : std::vector<const format::Node*>{}) {
    auto next = readers_.find(add->output);
    const bool relu_follows = add->op == "add" && add->output != m_.graph.output && next != readers_.end() &&
                              next->second.size() == 1 && next->second[0]->op == "relu";
    if (!relu_follows) {
      only_relu_adds = false;
      break;
    }
    const std::string& other = add->inputs.at(0) == activation ? add->inputs.at(1) : add->inputs.at(0);
    reach = std::max(reach, largest(other));
  }
  if (only_relu_adds) return covering(-reach, hi);
  return {hi / 127.f, 128};
}

}  // namespace ttq::onnx_export
