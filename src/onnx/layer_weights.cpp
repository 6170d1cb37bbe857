#include "onnx/layer_weights.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "common/error.h"
#include "runtime/ternary_levels.h"

namespace ttq::onnx_export {
namespace {

using format::Encoding;
using format::ModelFile;
using format::Node;
using format::Tensor;

// The largest integer a ternary weight decodes to: the runtime's default on every kernel
// but AVX2's (docs/RUNTIME.md), and what an s8 weight holds symmetrically.
constexpr int kMaxWeightLevel = 127;

[[noreturn]] void fail(const std::string& what) {
  throw FormatError(what, "the model file does not match its graph; re-export it");
}

int pair_at(const Node& n, const char* key, int i) { return n.attrs.at(key).at(i).get<int>(); }
int int_attr(const Node& n, const char* key) { return n.attrs.at(key).get<int>(); }

const Tensor& weight_of(const ModelFile& m, const Node& n) {
  auto it = m.tensors.find(n.name + ".weight");
  if (it == m.tensors.end()) fail("tensor '" + n.name + ".weight' is missing");
  return it->second;
}

std::vector<float> channel_vector(const ModelFile& m, const std::string& name, int channels, float fill) {
  auto it = m.tensors.find(name);
  if (it == m.tensors.end()) return std::vector<float>(channels, fill);
  if (it->second.encoding != Encoding::fp32 || static_cast<int>(it->second.values.size()) != channels) {
    fail("tensor '" + name + "' must be fp32 with " + std::to_string(channels) + " values");
  }
  return it->second.values;
}

int out_channels(const Node& n) { return int_attr(n, n.op == "conv2d" ? "out_channels" : "out_features"); }

// The per-output-channel affine after the raw sum, every fused batch norm folded in as
// the runtime folds it: scale *= bn.scale, bias = bias * bn.scale + bn.bias.
struct Affine {
  std::vector<float> scale, bias;
};
Affine folded_affine(const ModelFile& m, const FusedNode& f) {
  const Node& n = *f.node;
  const int O = out_channels(n);
  Affine a{channel_vector(m, n.name + ".scale", O, 1.f), channel_vector(m, n.name + ".bias", O, 0.f)};
  for (const Node* bn : f.batchnorms) {
    const auto s = channel_vector(m, bn->name + ".scale", O, 1.f), c = channel_vector(m, bn->name + ".bias", O, 0.f);
    for (int o = 0; o < O; ++o) {
      a.scale[o] *= s[o];
      a.bias[o] = a.bias[o] * s[o] + c[o];
    }
  }
  return a;
}

void check_weight(const Node& n, const Tensor& w, const std::vector<int64_t>& want) {
  if (w.shape != want) fail("tensor '" + n.name + ".weight' has the wrong shape for node '" + n.name + "'");
  int64_t count = 1;
  for (int64_t d : want) count *= d;
  const bool ternary = w.encoding != Encoding::fp32;
  if (static_cast<int64_t>(ternary ? w.codes.size() : w.values.size()) != count) {
    fail("tensor '" + n.name + ".weight' holds the wrong number of values");
  }
}

std::vector<int64_t> weight_shape(const Node& n) {
  if (n.op == "linear") return {int_attr(n, "out_features"), int_attr(n, "in_features")};
  const int64_t groups = int_attr(n, "groups");
  return {int_attr(n, "out_channels"), int_attr(n, "in_channels") / groups, pair_at(n, "kernel", 0), pair_at(n, "kernel", 1)};
}

float decoded(const Tensor& w, size_t i) {
  if (w.encoding == Encoding::fp32) return w.values[i];
  return w.codes[i] > 0 ? w.wp : w.codes[i] < 0 ? -w.wn : 0.f;
}

// The runtime's GEMM view of a layer (compile_plan.cpp): per group a K x Og matrix, row
// k = tap * Cg + c for a conv (NHWC im2col order); for a linear layer, row k is the k-th
// value of its input as the runtime stores it, NHWC-flattened from the [C, H, W] map that
// a chain of flattens started from, which is NCHW index (k % C) * H * W + k / C.
struct GemmView {
  bool conv = false;
  int groups = 1, K = 0, Og = 0, Cg = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  int in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int src_c = 0, src_hw = 1;  // linear: the map its input was flattened from

  size_t weight_index(int o, int k) const {
    if (conv) {
      const int ci = k % Cg, tap = k / Cg, ky = tap / kw, kx = tap % kw;
      return ((static_cast<size_t>(o) * Cg + ci) * kh + ky) * kw + kx;
    }
    const int c = k % src_c, p = k / src_c;
    return static_cast<size_t>(o) * K + static_cast<size_t>(c) * src_hw + p;
  }
  // How many per-channel means expected_inputs() reads: one per input channel of a conv,
  // one per input value of a linear layer (whose input is flat).
  size_t mean_count() const { return static_cast<size_t>(conv ? groups * Cg : K); }
  // A conv's taps of one input channel together, channel after channel (the runtime's
  // level_diffusion_order); a linear layer's rows as they are.
  std::vector<int> diffusion_order() const {
    std::vector<int> order;
    const int taps = conv ? kh * kw : 1, channels = conv ? Cg : K;
    for (int c = 0; c < channels; ++c)
      for (int t = 0; t < taps; ++t) order.push_back(t * channels + c);
    return order;
  }
  // The expected input at each row of group g (the runtime's expected_inputs): a conv tap
  // weighs its channel's mean by the share of output pixels where it is not padding.
  std::vector<double> expected_inputs(int g, const std::vector<float>& means) const {
    std::vector<double> k_mean(K);
    if (!conv) {
      for (int k = 0; k < K; ++k) k_mean[k] = means[weight_index(0, k)];
      return k_mean;
    }
    std::vector<double> fy(kh), fx(kw);
    for (int k = 0; k < kh; ++k) fy[k] = runtime::tap_inside_share(k, in_h, out_h, sh, ph);
    for (int k = 0; k < kw; ++k) fx[k] = runtime::tap_inside_share(k, in_w, out_w, sw, pw);
    for (int k = 0; k < K; ++k) {
      const int tap = k / Cg;
      k_mean[k] = means[static_cast<size_t>(g) * Cg + k % Cg] * fy[tap / kw] * fx[tap % kw];
    }
    return k_mean;
  }
};

// The [C, H, W] map whose values a linear layer's input holds in the runtime's order:
// flattens pass their input's order on; any other op stores its own shape.
std::pair<int, int> flatten_source(const ModelFile& m, const std::string& activation,
                                   const std::map<std::string, format::ActivationShape>& shapes) {
  std::string a = activation;
  for (bool moved = true; moved;) {
    moved = false;
    for (const Node& n : m.graph.nodes) {
      if (n.output == a && n.op == "flatten") {
        a = n.inputs.at(0);
        moved = true;
        break;
      }
    }
  }
  const auto& s = shapes.at(a);
  int hw = 1;
  for (size_t i = 1; i < s.size(); ++i) hw *= static_cast<int>(s[i]);
  return {static_cast<int>(s.at(0)), hw};
}

GemmView gemm_view(const ModelFile& m, const Node& n, const std::map<std::string, format::ActivationShape>& shapes) {
  GemmView v;
  const auto& in = shapes.at(n.inputs.at(0));
  if (n.op == "conv2d") {
    v.conv = true;
    v.groups = int_attr(n, "groups");
    v.kh = pair_at(n, "kernel", 0), v.kw = pair_at(n, "kernel", 1);
    v.sh = pair_at(n, "stride", 0), v.sw = pair_at(n, "stride", 1);
    v.ph = pair_at(n, "padding", 0), v.pw = pair_at(n, "padding", 1);
    v.in_h = static_cast<int>(in.at(1)), v.in_w = static_cast<int>(in.at(2));
    const auto& out = shapes.at(n.output);
    v.out_h = static_cast<int>(out.at(1)), v.out_w = static_cast<int>(out.at(2));
    v.Cg = int_attr(n, "in_channels") / v.groups;
    v.Og = int_attr(n, "out_channels") / v.groups;
    v.K = v.kh * v.kw * v.Cg;
  } else {
    v.K = int_attr(n, "in_features");
    v.Og = int_attr(n, "out_features");
    std::tie(v.src_c, v.src_hw) = flatten_source(m, n.inputs.at(0), shapes);
  }
  return v;
}

// Integer levels of a ternary layer in the weight's own layout, and the runtime's bias
// correction added to `bias` (compile_plan.cpp's gemm_step, int8 branch).
std::vector<int8_t> ternary_integer_levels(const ModelFile& m, const Node& n, const Tensor& w, const GemmView& v,
                                           const runtime::TernaryLevels& lv, const std::vector<float>& raw_scale,
                                           std::vector<float>* bias) {
  std::vector<int8_t> levels(w.codes.size());
  const auto means = m.calibration_mean.find(n.inputs.at(0));
  const std::vector<int> k_order = v.diffusion_order();
  std::vector<int8_t> b(static_cast<size_t>(v.K) * v.Og);
  for (int g = 0; g < v.groups; ++g) {
    for (int k = 0; k < v.K; ++k)
      for (int o = 0; o < v.Og; ++o) {
        const int8_t code = w.codes[v.weight_index(g * v.Og + o, k)];
        if (code < -1 || code > 1) fail("tensor '" + n.name + ".weight' holds an invalid ternary code");
        b[static_cast<size_t>(k) * v.Og + o] = code;
      }
    runtime::decode_ternary_levels(b.data(), v.K, v.Og, lv, k_order);
    if (means != m.calibration_mean.end() && means->second.size() == v.mean_count()) {
      runtime::add_level_bias_correction(b.data(), v.K, v.Og, lv, v.expected_inputs(g, means->second),
                                         raw_scale.data() + g * v.Og, bias->data() + g * v.Og);
    }
    for (int k = 0; k < v.K; ++k)
      for (int o = 0; o < v.Og; ++o) levels[v.weight_index(g * v.Og + o, k)] = b[static_cast<size_t>(k) * v.Og + o];
  }
  return levels;
}

}  // namespace

FloatLayer float_layer(const ModelFile& m, const FusedNode& f) {
  const Node& n = *f.node;
  const Tensor& w = weight_of(m, n);
  FloatLayer L;
  L.shape = weight_shape(n);
  check_weight(n, w, L.shape);
  const Affine a = folded_affine(m, f);
  const size_t per_channel = w.shape.empty() ? 0 : static_cast<size_t>(w.numel() / w.shape[0]);
  L.weight.resize(static_cast<size_t>(w.numel()));
  for (size_t i = 0; i < L.weight.size(); ++i) L.weight[i] = decoded(w, i) * a.scale[i / per_channel];
  L.bias = a.bias;
  return L;
}

Int8Layer int8_layer(const ModelFile& m, const FusedNode& f, const std::map<std::string, format::ActivationShape>& shapes) {
  const Node& n = *f.node;
  const Tensor& w = weight_of(m, n);
  Int8Layer L;
  L.shape = weight_shape(n);
  check_weight(n, w, L.shape);
  Affine a = folded_affine(m, f);
  const int O = static_cast<int>(L.shape[0]);
  const size_t per_channel = static_cast<size_t>(w.numel() / O);
  L.ternary = w.encoding != Encoding::fp32;
  L.weight.resize(static_cast<size_t>(w.numel()));
  L.weight_scale.assign(O, 1.f);
  if (L.ternary) {
    const runtime::TernaryLevels lv = runtime::ternary_levels(w.wp, w.wn, kMaxWeightLevel, n.name + ".weight");
    L.weight = ternary_integer_levels(m, n, w, gemm_view(m, n, shapes), lv, a.scale, &a.bias);
    // Channel o is levels * unit * scale[o]: its s8 scale is unit * |scale[o]|, its sign
    // goes into the integers (a DequantizeLinear scale must be positive).
    for (int o = 0; o < O; ++o) {
      const float s = a.scale[o];
      int8_t* row = L.weight.data() + o * per_channel;
      if (s == 0.f) std::fill(row, row + per_channel, int8_t{0});
      if (s < 0.f) std::transform(row, row + per_channel, row, [](int8_t q) { return static_cast<int8_t>(-q); });
      if (s != 0.f) L.weight_scale[o] = lv.unit * std::fabs(s);
    }
  } else {
    // Symmetric per channel: the largest |weight| of a channel is 127.
    for (int o = 0; o < O; ++o) {
      float largest = 0.f;
      for (size_t i = 0; i < per_channel; ++i) largest = std::max(largest, std::fabs(w.values[o * per_channel + i] * a.scale[o]));
      if (largest > 0.f) L.weight_scale[o] = largest / 127.f;
      for (size_t i = 0; i < per_channel; ++i) {
        const float q = std::nearbyint(w.values[o * per_channel + i] * a.scale[o] / L.weight_scale[o]);
        L.weight[o * per_channel + i] = static_cast<int8_t>(std::clamp(q, -127.f, 127.f));
      }
    }
  }
  L.bias = a.bias;
  return L;
}

}  // namespace ttq::onnx_export
