#include "onnx/activation_quantization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "onnx/fused_nodes.h"

namespace ttq::onnx_export {
namespace {

// Same floor as the runtime's calibrated_scale(): a zero or tiny maximum is not a zero scale.
constexpr float kMinRange = 1e-12f;
constexpr float kInf = std::numeric_limits<float>::infinity();

// u8 covering [lo, hi] (lo <= 0 <= hi), zero exactly representable.
ActivationQuantization covering(float lo, float hi) {
  ActivationQuantization q;
  q.scale = std::max(hi - lo, kMinRange) / 255.f;
  q.zero_point = static_cast<uint8_t>(std::clamp(std::lround(-lo / q.scale), 0l, 255l));
  return q;
}

}  // namespace

ActivationQuantizer::ActivationQuantizer(const format::ModelFile& m)
    : m_(m), nonnegative_(nonnegative_activations(m.graph)), shapes_(format::infer_shapes(m.graph)) {
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

std::vector<float> ActivationQuantizer::lowest_for_reader(const std::string& activation, const format::Node& reader) const {
  const size_t channels = static_cast<size_t>(shapes_.at(activation).at(0));
  const auto sole_reader_is_relu = [&](const std::string& a) {
    auto r = readers_.find(a);
    return a != m_.graph.output && r != readers_.end() && r->second.size() == 1 && r->second[0]->op == "relu";
  };
  if (reader.op == "relu") return std::vector<float>(channels, 0.f);
  if (reader.op == "add" && sole_reader_is_relu(reader.output)) {
    const std::string& other = reader.inputs.at(0) == activation ? reader.inputs.at(1) : reader.inputs.at(0);
    return std::vector<float>(channels, -largest(other));
  }
  if (reader.op == "batchnorm") {
    const auto& s = m_.tensors.at(reader.name + ".scale").values;
    const auto& b = m_.tensors.at(reader.name + ".bias").values;
    const bool relu = sole_reader_is_relu(reader.output);
    const float y_max = largest(reader.output);
    std::vector<float> low(channels);
    for (size_t c = 0; c < channels; ++c) {
      if (s[c] < 0.f) {
        low[c] = (y_max - b[c]) / s[c];
      } else if (s[c] > 0.f && relu) {
        low[c] = -b[c] / s[c];
      } else if (s[c] == 0.f) {
        low[c] = kInf;  // the output is b whatever the input
      } else {
        return {};
      }
    }
    return low;
  }
  if (reader.op == "concat") {
    const std::vector<float>& out = lowest_that_matters(reader.output);
    if (out.empty()) return {};
    size_t offset = 0;
    for (const auto& in : reader.inputs) {
      if (in == activation) break;
      offset += static_cast<size_t>(shapes_.at(in).at(0));
    }
    return std::vector<float>(out.begin() + offset, out.begin() + offset + channels);
  }
  if (reader.op == "maxpool2d") return lowest_that_matters(reader.output);
  return {};
}

const std::vector<float>& ActivationQuantizer::lowest_that_matters(const std::string& activation) const {
  auto memo = lowest_.find(activation);
  if (memo != lowest_.end()) return memo->second;
  std::vector<float> low;
  auto readers = readers_.find(activation);
  if (activation != m_.graph.output && readers != readers_.end()) {
    low.assign(static_cast<size_t>(shapes_.at(activation).at(0)), kInf);
    for (const format::Node* reader : readers->second) {
      const std::vector<float> r = lowest_for_reader(activation, *reader);
      if (r.empty()) {
        low.clear();
        break;
      }
      for (size_t c = 0; c < low.size(); ++c) low[c] = std::min(low[c], r[c]);
    }
  }
  return lowest_[activation] = std::move(low);
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
  const std::vector<float>& low = lowest_that_matters(activation);
  if (!low.empty()) {
    const float lo = *std::min_element(low.begin(), low.end());
    if (std::isfinite(lo)) return covering(std::min(lo, 0.f), hi);
    if (lo > 0.f) return covering(0.f, hi);  // no value matters to anyone: any range does
  }
  return {hi / 127.f, 128};
}

}  // namespace ttq::onnx_export
