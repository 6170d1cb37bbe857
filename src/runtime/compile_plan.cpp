#include "runtime/compile_plan.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <cmath>
#include <map>

#include "common/error.h"
#include "runtime/ternary_levels.h"

namespace ttq::runtime {
namespace {

using format::Encoding;
using format::ModelFile;
using format::Node;
using format::Tensor;

[[noreturn]] void fail(const std::string& what) {
  throw FormatError(what, "the model file does not match its graph; re-export it");
}

int pair_at(const Node& n, const char* key, int i) { return n.attrs.at(key).at(i).get<int>(); }
int int_attr(const Node& n, const char* key) { return n.attrs.at(key).get<int>(); }

// A conv's or pool's sliding window, read once from the node's attributes.
struct Window {
  int kh, kw, sh, sw, ph, pw;
  bool fits(int H, int W) const { return H + 2 * ph >= kh && W + 2 * pw >= kw; }
  int out_h(int H) const { return (H + 2 * ph - kh) / sh + 1; }
  int out_w(int W) const { return (W + 2 * pw - kw) / sw + 1; }
  // GemmLayer and Step name these fields alike.
  template <class T>
  void copy_to(T* t) const {
    t->kh = kh, t->kw = kw, t->sh = sh, t->sw = sw, t->ph = ph, t->pw = pw;
  }
};
Window window_of(const Node& n) {
  return {pair_at(n, "kernel", 0), pair_at(n, "kernel", 1), pair_at(n, "stride", 0),
          pair_at(n, "stride", 1), pair_at(n, "padding", 0), pair_at(n, "padding", 1)};
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

class Compiler {
 public:
  Compiler(const ModelFile& file, const CompileOptions& opt) : file_(file), opt_(opt), g_(file.graph) {}

  Plan run() {
    define_values();
    find_consumers();
    plan_fusion();
    emit_steps();
    choose_storage();
    fold_output_scales();
    assign_arena();
    return std::move(plan_);
  }

 private:
  // ---- values and shapes -------------------------------------------------
  int value_id(const std::string& name) const { return ids_.at(name); }
  Value& val(const std::string& name) { return plan_.values[value_id(name)]; }

  int add_value(const std::string& name, int c, int h, int w) {
    Value v;
    v.name = name;
    v.C = v.src_c = c;
    v.H = v.src_h = h;
    v.W = v.src_w = w;
    ids_[name] = static_cast<int>(plan_.values.size());
    plan_.values.push_back(v);
    return ids_[name];
  }

  void need(bool ok, const Node& n, const std::string& what) {
    if (!ok) throw ShapeError("node '" + n.name + "' (" + n.op + "): " + what, "the graph's shapes do not fit together; re-export the model");
  }

  void define_values() {
    const auto& s = g_.input_shape;
    plan_.input = add_value("input", static_cast<int>(s[0]), static_cast<int>(s[1]), static_cast<int>(s[2]));
    for (const Node& n : g_.nodes) {
      const Value in = val(n.inputs.at(0));
      int c = in.C, h = in.H, w = in.W;
      bool nonneg = false;
      if (n.op == "conv2d") {
        need(int_attr(n, "in_channels") == in.C, n, "in_channels " + std::to_string(int_attr(n, "in_channels")) + " but input has " + std::to_string(in.C));
        const Window win = window_of(n);
        need(win.fits(in.H, in.W), n, "kernel larger than the padded input");
        c = int_attr(n, "out_channels");
        h = win.out_h(in.H);
        w = win.out_w(in.W);
      } else if (n.op == "linear") {
        need(static_cast<int64_t>(in.elems()) == int_attr(n, "in_features"),
             n, "in_features " + std::to_string(int_attr(n, "in_features")) + " but input has " + std::to_string(in.elems()) + " values");
        c = int_attr(n, "out_features");
        h = w = 1;
      } else if (n.op == "batchnorm") {
        need(int_attr(n, "channels") == in.C, n, "channels do not match the input's " + std::to_string(in.C));
      } else if (n.op == "relu") {
        nonneg = true;
      } else if (n.op == "add") {
        const Value& b = val(n.inputs.at(1));
        need(b.C == in.C && b.H == in.H && b.W == in.W, n, "inputs of different shapes");
        nonneg = in.nonneg && b.nonneg;
      } else if (n.op == "concat") {
        c = 0;
        nonneg = true;
        for (const auto& name : n.inputs) {
          const Value& x = val(name);
          need(x.H == in.H && x.W == in.W, n, "inputs of different spatial size");
          c += x.C;
          nonneg = nonneg && x.nonneg;
        }
      } else if (n.op == "maxpool2d" || n.op == "avgpool2d") {
        const Window win = window_of(n);
        need(win.fits(in.H, in.W), n, "window larger than the padded input");
        h = win.out_h(in.H);
        w = win.out_w(in.W);
        nonneg = in.nonneg;
      } else if (n.op == "global_avgpool") {
        h = w = 1;
        nonneg = in.nonneg;
      } else if (n.op == "flatten") {
        c = in.C * in.H * in.W;
        h = w = 1;
        nonneg = in.nonneg;
      }
      const int id = add_value(n.output, c, h, w);
      plan_.values[id].nonneg = nonneg;
      if (n.op == "flatten") {
        Value& v = plan_.values[id];
        const Value& src = val(n.inputs.at(0));
        v.src_c = src.src_c;
        v.src_h = src.src_h;
        v.src_w = src.src_w;
      }
    }
    plan_.output = value_id(g_.output);
  }

  void find_consumers() {
    consumers_.assign(plan_.values.size(), {});
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (const auto& in : g_.nodes[i].inputs) consumers_[value_id(in)].push_back(static_cast<int>(i));
    }
  }

  // The node that alone reads value v, if exactly one does and v is not the graph output.
  // Fusion only takes nodes no earlier group has taken.
  int sole_consumer(int v) const {
    if (v == plan_.output || consumers_[v].size() != 1) return -1;
    const int j = consumers_[v][0];
    return absorbed_[j] ? -1 : j;
  }

  // ---- fusion: conv/linear -> batchnorm* -> [add] -> [relu] -------------------
  struct Group {
    std::vector<int> bns;
    int add = -1, relu = -1, residual = -1;
    int last = -1;  // node index where the fused step runs
    int out = -1;   // value it defines
  };

  void plan_fusion() {
    group_of_end_.assign(g_.nodes.size(), -1);
    absorbed_.assign(g_.nodes.size(), false);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (n.op != "conv2d" && n.op != "linear") continue;
      Group grp;
      grp.last = static_cast<int>(i);
      int cur = value_id(n.output);
      for (int j = sole_consumer(cur); j >= 0 && g_.nodes[j].op == "batchnorm"; j = sole_consumer(cur)) {
        grp.bns.push_back(j);
        grp.last = j;
        cur = value_id(g_.nodes[j].output);
      }
      if (int j = sole_consumer(cur); j >= 0 && g_.nodes[j].op == "add") {
        const Node& a = g_.nodes[j];
        const int x = value_id(a.inputs[0]) == cur ? value_id(a.inputs[1]) : value_id(a.inputs[0]);
        if (x != cur) {
          grp.add = j;
          grp.residual = x;
          grp.last = j;
          cur = value_id(a.output);
        }
      }
      if (int j = sole_consumer(cur); j >= 0 && g_.nodes[j].op == "relu") {
        grp.relu = j;
        grp.last = j;
        cur = value_id(g_.nodes[j].output);
      }
      grp.out = cur;
      for (int b : grp.bns) absorbed_[b] = true;
      if (grp.add >= 0) absorbed_[grp.add] = true;
      if (grp.relu >= 0) absorbed_[grp.relu] = true;
      group_of_end_[grp.last] = static_cast<int>(groups_.size());
      group_start_.push_back(static_cast<int>(i));
      groups_.push_back(grp);
    }
  }

  // ---- steps -------------------------------------------------------------------
  const Tensor& tensor(const std::string& name) const {
    auto it = file_.tensors.find(name);
    if (it == file_.tensors.end()) fail("tensor '" + name + "' is missing");
    return it->second;
  }
  const Tensor* optional_tensor(const std::string& name) const {
    auto it = file_.tensors.find(name);
    return it == file_.tensors.end() ? nullptr : &it->second;
  }
  std::vector<float> channel_vector(const std::string& name, int channels, float fill) const {
    const Tensor* t = optional_tensor(name);
    if (!t) return std::vector<float>(channels, fill);
    if (t->encoding != Encoding::fp32 || numel(t->shape) != channels || static_cast<int64_t>(t->values.size()) != channels) {
      fail("tensor '" + name + "' must be fp32 with " + std::to_string(channels) + " values");
    }
    return t->values;
  }

  float calibrated_scale(int v, const std::string& why) const {
    const std::string& name = plan_.values[v].name;
    auto it = file_.calibration.find(name);
    if (it == file_.calibration.end()) {
      throw FormatError("activation '" + name + "' " + why + " but the model file has no calibration for it",
                        "re-export the model with calibration for every activation feeding a ternary layer");
    }
    if (!std::isfinite(it->second) || it->second < 0.f) fail("calibration of activation '" + name + "' is not a finite value >= 0");
    return std::max(it->second, 1e-12f) / 255.f;
  }

  bool same_calibration(int a, int b) const {
    const auto ia = file_.calibration.find(plan_.values[a].name), ib = file_.calibration.find(plan_.values[b].name);
    return ia != file_.calibration.end() && ib != file_.calibration.end() && ia->second == ib->second;
  }

  // The expected value of each row k of a layer's GEMM input (group `group`), from the
  // per-channel means of its input activation: a conv's tap weighs its channel's mean by
  // the share of output pixels for which it is not padding; a linear layer's input is
  // flat, one mean per feature (t = weight_index(0, k), the NCHW index of column k).
  template <class WeightIndex>
  static std::vector<double> expected_inputs(const GemmLayer& L, bool conv, int group, const std::vector<float>& means,
                                             const WeightIndex& weight_index) {
    std::vector<double> k_mean(L.K);
    if (!conv) {
      for (int k = 0; k < L.K; ++k) k_mean[k] = means[weight_index(0, k)];
      return k_mean;
    }
    std::vector<double> fy(L.kh), fx(L.kw);
    for (int k = 0; k < L.kh; ++k) fy[k] = tap_inside_share(k, L.in_h, L.out_h, L.sh, L.ph);
    for (int k = 0; k < L.kw; ++k) fx[k] = tap_inside_share(k, L.in_w, L.out_w, L.sw, L.pw);
    for (int k = 0; k < L.K; ++k) {
      const int tap = k / L.Cg;
      k_mean[k] = means[static_cast<size_t>(group) * L.Cg + k % L.Cg] * fy[tap / L.kw] * fx[tap % L.kw];
    }
    return k_mean;
  }

  // The rows of a layer's GEMM in the order its levels are diffused: a conv's taps of one
  // input channel together (neighbouring pixels of one feature map move together, so their
  // level errors cancel), channel after channel; a linear layer's rows as they are.
  static std::vector<int> level_diffusion_order(const GemmLayer& L, bool conv) {
    std::vector<int> order;
    order.reserve(L.K);
    const int taps = conv ? L.kh * L.kw : 1, channels = conv ? L.Cg : L.K;
    for (int c = 0; c < channels; ++c)
      for (int t = 0; t < taps; ++t) order.push_back(t * channels + c);
    return order;
  }

  // Ternary weights as the runtime's integer levels (ternary_levels.h), with their bias
  // correction; the input is the u8 activation the calibration scales.
  template <class WeightIndex>
  void pack_ternary(const Node& n, GemmLayer& L, int in, bool conv, const Tensor& wt, const WeightIndex& weight_index) {
    const std::string wname = n.name + ".weight";
    const Value& x = plan_.values[in];
    const int max_level = opt_.max_weight_level > 0 ? opt_.max_weight_level : opt_.kernel->max_weight;
    const TernaryLevels lv = ternary_levels(wt.wp, wt.wn, max_level, wname);
    const float in_scale = calibrated_scale(in, "feeds ternary layer '" + n.name + "'");
    const std::vector<float> raw_scale = L.scale;  // what the exact sum gets before the bias
    for (float& s : L.scale) s *= lv.unit * in_scale;
    L.kernel = opt_.kernel;
    const auto means = file_.calibration_mean.find(x.name);
    std::vector<int8_t> b(static_cast<size_t>(L.K) * L.Og);
    const std::vector<int> k_order = level_diffusion_order(L, conv);
    for (int gi = 0; gi < L.groups; ++gi) {
      for (int k = 0; k < L.K; ++k) {
        for (int o = 0; o < L.Og; ++o) {
          const int8_t code = wt.codes[weight_index(gi * L.Og + o, k)];
          if (code < -1 || code > 1) fail("tensor '" + wname + "' holds an invalid ternary code");
          b[static_cast<size_t>(k) * L.Og + o] = code;
        }
      }
      decode_ternary_levels(b.data(), L.K, L.Og, lv, k_order);
      if (means != file_.calibration_mean.end()) {
        add_level_bias_correction(b.data(), L.K, L.Og, lv, expected_inputs(L, conv, gi, means->second, weight_index),
                                  raw_scale.data() + gi * L.Og, L.bias.data() + gi * L.Og);
      }
      L.packed.emplace_back();
      L.kernel->pack(b.data(), L.K, L.Og, &L.packed.back());
    }
  }

  // An fp32 conv marked int8 (an image network's first conv): weights rounded to s8 per
  // output channel (the largest |w| of a channel becomes the kernel's largest level), the
  // graph input quantized to u8 with a zero point over the exact range of its normalized
  // pixels. acc = sum w_q * q runs with padding taps at the zero point, and the zero point's
  // share, z * sum_k w_q, comes off the bias.
  template <class WeightIndex>
  void pack_quantized_fp32(const Node& n, GemmLayer& L, int in, const Tensor& wt, const WeightIndex& weight_index) {
    if (in != plan_.input || n.op != "conv2d" || L.groups != 1) {
      fail("node '" + n.name + "' is marked int8 but only an ungrouped conv2d reading the graph input can be");
    }
    const Value& x = quantize_graph_input();
    const int max_level = opt_.max_weight_level > 0 ? opt_.max_weight_level : opt_.kernel->max_weight;
    std::vector<int8_t> b(static_cast<size_t>(L.K) * L.Og);
    for (int o = 0; o < L.Og; ++o) {
      float amax = 0.f;
      for (int k = 0; k < L.K; ++k) amax = std::max(amax, std::fabs(wt.values[weight_index(o, k)]));
      const float unit = amax > 0.f ? amax / static_cast<float>(max_level) : 1.f;
      long colsum = 0;
      for (int k = 0; k < L.K; ++k) {
        const long q = std::lround(wt.values[weight_index(o, k)] / unit);
        b[static_cast<size_t>(k) * L.Og + o] = static_cast<int8_t>(q);
        colsum += q;
      }
      L.scale[o] *= unit * x.scale;
      L.bias[o] -= static_cast<float>(x.zero_point) * static_cast<float>(colsum) * L.scale[o];
    }
    L.int8 = true;
    L.pad_byte = x.zero_point;
    L.kernel = opt_.kernel;
    L.packed.emplace_back();
    L.kernel->pack(b.data(), L.K, L.Og, &L.packed.back());
  }

  // The graph input as u8: normalized pixels x = (p/255 - mean) / std lie in
  // [min_c -mean_c/std_c, max_c (1-mean_c)/std_c]; 255 steps over that range, and the
  // zero point is where x = 0 (the padding's value).
  const Value& quantize_graph_input() {
    Value& x = plan_.values[plan_.input];
    if (x.scale > 0.f) return x;
    float lo = 0.f, hi = 0.f;
    for (int c = 0; c < x.C; ++c) {
      const float m = c < static_cast<int>(file_.input_mean.size()) ? file_.input_mean[c] : 0.f;
      const float sd = c < static_cast<int>(file_.input_std.size()) ? file_.input_std[c] : 1.f;
      if (!(sd > 0.f)) fail("input std must be > 0 to quantize the input");
      lo = std::min(lo, (0.f - m) / sd);
      hi = std::max(hi, (1.f - m) / sd);
    }
    x.scale = (hi - lo) / 255.f;
    x.zero_point = static_cast<uint8_t>(std::clamp(std::lround(-lo / x.scale), 0L, 255L));
    input_quantized_ = true;
    return x;
  }

  template <class WeightIndex>
  void pack_fp32(GemmLayer& L, const std::string& wname, const Tensor& wt, const WeightIndex& weight_index) {
    const bool ternary = wt.encoding != Encoding::fp32;
    L.kernel_f32 = opt_.kernel_f32;
    for (int gi = 0; gi < L.groups; ++gi) {
      std::vector<float> b(static_cast<size_t>(L.K) * L.Og);
      for (int k = 0; k < L.K; ++k) {
        for (int o = 0; o < L.Og; ++o) {
          const size_t idx = weight_index(gi * L.Og + o, k);
          float w;
          if (ternary) {
            const int8_t code = wt.codes[idx];
            if (code < -1 || code > 1) fail("tensor '" + wname + "' holds an invalid ternary code");
            w = code > 0 ? wt.wp : code < 0 ? -wt.wn : 0.f;
          } else {
            w = wt.values[idx];
          }
          b[static_cast<size_t>(k) * L.Og + o] = w;
        }
      }
      L.packed_f32.emplace_back();
      L.kernel_f32->pack(b.data(), L.K, L.Og, &L.packed_f32.back());
    }
  }

  Step gemm_step(const Group& grp, int start) {
    const Node& n = g_.nodes[start];
    Step st;
    st.kind = StepKind::gemm;
    st.label = n.name;
    const int in = value_id(n.inputs[0]);
    const Value& x = plan_.values[in];
    st.inputs = {in};
    st.output = grp.out;
    GemmLayer& L = st.gemm;
    const bool conv = n.op == "conv2d";
    int O, I;
    if (conv) {
      O = int_attr(n, "out_channels");
      I = x.C;
      L.groups = int_attr(n, "groups");
      window_of(n).copy_to(&L);
    } else {
      O = int_attr(n, "out_features");
      I = static_cast<int>(x.elems());
    }
    L.in_h = conv ? x.H : 1;
    L.in_w = conv ? x.W : 1;
    L.in_c = I;
    L.out_h = plan_.values[value_id(n.output)].H;
    L.out_w = plan_.values[value_id(n.output)].W;
    L.out_c = O;
    L.Cg = I / L.groups;
    L.Og = O / L.groups;
    L.K = L.kh * L.kw * L.Cg;
    L.direct = L.kh == 1 && L.kw == 1 && L.sh == 1 && L.sw == 1 && L.ph == 0 && L.pw == 0;

    const std::string wname = n.name + ".weight";
    const Tensor& wt = tensor(wname);
    const std::vector<int64_t> want = conv ? std::vector<int64_t>{O, L.Cg, L.kh, L.kw} : std::vector<int64_t>{O, I};
    if (wt.shape != want) fail("tensor '" + wname + "' has the wrong shape for node '" + n.name + "'");
    const bool ternary = wt.encoding != Encoding::fp32;
    const size_t count = static_cast<size_t>(numel(want));
    if ((ternary ? wt.codes.size() : wt.values.size()) != count) fail("tensor '" + wname + "' holds the wrong number of values");

    // Folded affine: y = acc' * scale + bias, with every batchnorm folded in.
    L.scale = channel_vector(n.name + ".scale", O, 1.f);
    L.bias = channel_vector(n.name + ".bias", O, 0.f);
    for (int b : grp.bns) {
      const Node& bn = g_.nodes[b];
      const auto s = channel_vector(bn.name + ".scale", O, 1.f), c = channel_vector(bn.name + ".bias", O, 0.f);
      for (int o = 0; o < O; ++o) {
        L.scale[o] *= s[o];
        L.bias[o] = L.bias[o] * s[o] + c[o];
      }
      st.label += "+" + bn.name;
    }
    if (grp.add >= 0) {
      L.residual = grp.residual;
      st.label += "+add(" + plan_.values[grp.residual].name + ")";
    }
    if (grp.relu >= 0) {
      L.relu = true;
      st.label += "+relu";
    }

    // Where weight[o][t] of the file lands in B[k][o]. For linear, the input is
    // stored NHWC-flattened: column k corresponds to NCHW index t(k).
    const auto weight_index = [&](int o, int k) -> size_t {
      if (conv) {
        const int ci = k % L.Cg, tap = k / L.Cg, ky = tap / L.kw, kx = tap % L.kw;
        return ((static_cast<size_t>(o) * L.Cg + ci) * L.kh + ky) * L.kw + kx;
      }
      const int C = x.src_c, HW = x.src_h * x.src_w;
      const int c = k % C, p = k / C;
      return static_cast<size_t>(o) * I + static_cast<size_t>(c) * HW + p;
    };

    L.int8 = !opt_.fp32_reference && ternary;
    const bool int8_fp32 = !opt_.fp32_reference && !ternary && n.attrs.value("int8", false);
    if (L.int8) {
      pack_ternary(n, L, in, conv, wt, weight_index);
    } else if (int8_fp32) {
      pack_quantized_fp32(n, L, in, wt, weight_index);
    } else {
      pack_fp32(L, wname, wt, weight_index);
    }
    if (opt_.release_weights) {
      Tensor& owned = opt_.release_weights->tensors.at(wname);
      std::vector<int8_t>().swap(owned.codes);
      std::vector<float>().swap(owned.values);
    }
    return st;
  }

  Step simple_step(const Node& n) {
    Step st;
    st.label = n.name;
    for (const auto& in : n.inputs) st.inputs.push_back(value_id(in));
    st.output = value_id(n.output);
    if (n.op == "maxpool2d" || n.op == "avgpool2d") {
      st.kind = n.op == "maxpool2d" ? StepKind::maxpool : StepKind::avgpool;
      window_of(n).copy_to(&st);
    } else if (n.op == "global_avgpool") {
      st.kind = StepKind::global_avgpool;
    } else if (n.op == "add") {
      st.kind = StepKind::add;
    } else if (n.op == "relu") {
      st.kind = StepKind::relu;
    } else if (n.op == "concat") {
      st.kind = StepKind::concat;
    } else if (n.op == "flatten") {
      st.kind = StepKind::copy;
    } else if (n.op == "batchnorm") {
      st.kind = StepKind::affine;
      const int c = int_attr(n, "channels");
      st.ch_scale = channel_vector(n.name + ".scale", c, 1.f);
      st.ch_bias = channel_vector(n.name + ".bias", c, 0.f);
    } else {
      fail("node '" + n.name + "' has op '" + n.op + "' that the runtime cannot run");
    }
    return st;
  }

  // A standalone add or batchnorm takes a following relu into the same pass.
  void fuse_trailing_relu(Step& st, size_t node) {
    if (st.kind != StepKind::add && st.kind != StepKind::affine) return;
    const int j = sole_consumer(st.output);
    if (j < 0 || g_.nodes[j].op != "relu" || static_cast<size_t>(j) <= node) return;
    absorbed_[j] = true;
    st.relu = true;
    st.output = value_id(g_.nodes[j].output);
    st.label += "+relu";
  }

  void emit_steps() {
    Step in;
    in.kind = StepKind::input;
    in.label = "input";
    in.output = plan_.input;
    plan_.steps.push_back(in);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (group_of_end_[i] >= 0) {
        const int gi = group_of_end_[i];
        plan_.steps.push_back(gemm_step(groups_[gi], group_start_[gi]));
      } else if (!absorbed_[i] && n.op != "conv2d" && n.op != "linear") {
        Step st = simple_step(n);
        fuse_trailing_relu(st, i);
        plan_.steps.push_back(std::move(st));
      }
    }
  }

  // ---- storage: which values are u8, f32 or both --------------------------------
  void choose_storage() {
    enum Req { any, u8, f32 };
    std::vector<std::vector<Req>> reqs(plan_.values.size());
    for (const Step& st : plan_.steps) {
      if (st.kind == StepKind::gemm) {
        const Req r = st.gemm.int8 ? u8 : f32;
        reqs[st.inputs[0]].push_back(r);
        if (st.gemm.residual >= 0) reqs[st.gemm.residual].push_back(f32);
      } else {
        for (int in : st.inputs) reqs[in].push_back(any);
      }
    }
    // A max-pool whose output is stored as bytes reads bytes too when its input is calibrated
    // to the same largest value (a pool that covers its input: always): the max then stays
    // in bytes, exactly (execute_plan's pool), and the producer writes a quarter of the bytes.
    for (auto st = plan_.steps.rbegin(); st != plan_.steps.rend(); ++st) {
      if (st->kind != StepKind::maxpool) continue;
      const auto& r = reqs[st->output];
      if (std::count(r.begin(), r.end(), u8) > 0 && same_calibration(st->inputs[0], st->output)) {
        reqs[st->inputs[0]].push_back(u8);
      }
    }
    for (size_t v = 0; v < plan_.values.size(); ++v) {
      Value& val = plan_.values[v];
      const auto& r = reqs[v];
      val.has_u8 = std::count(r.begin(), r.end(), u8) > 0;
      val.has_f32 = std::count(r.begin(), r.end(), f32) > 0 || static_cast<int>(v) == plan_.output ||
                    (!val.has_u8 && (std::count(r.begin(), r.end(), any) > 0 || r.empty()));
      const bool own_scale = static_cast<int>(v) == plan_.input && input_quantized_;
      if (val.has_u8 && !own_scale) val.scale = calibrated_scale(static_cast<int>(v), "is stored as u8 (it feeds a ternary layer)");
    }
  }

  // The int8 epilogue's constants that need the values' storage: for a layer whose output
  // is stored only as u8, 1/scale of that output folded into scale, bias and the (f32)
  // residual's factor: the kernel's epilogue then rounds y directly (kernels contract). A
  // layer whose output is also kept as f32 (a residual stream) gets both from the kernel.
  void fold_output_scales() {
    for (Step& st : plan_.steps) {
      if (st.kind != StepKind::gemm || !st.gemm.int8) continue;
      GemmLayer& L = st.gemm;
      const Value& y = plan_.values[st.output];
      if (!y.has_u8 || y.has_f32) continue;
      const float inv = 1.f / y.scale;
      for (float& s : L.scale) s *= inv;
      for (float& b : L.bias) b *= inv;
      L.residual_scale *= inv;
    }
  }

  // ---- arena: liveness-based reuse of per-image byte ranges ------------------------
  void assign_arena() {
    auto& values = plan_.values;
    for (size_t s = 0; s < plan_.steps.size(); ++s) {
      const Step& st = plan_.steps[s];
      values[st.output].producer = static_cast<int>(s);
      values[st.output].last_use = std::max(values[st.output].last_use, static_cast<int>(s));
      std::vector<int> reads = st.inputs;
      if (st.kind == StepKind::gemm && st.gemm.residual >= 0) reads.push_back(st.gemm.residual);
      for (int in : reads) values[in].last_use = std::max(values[in].last_use, static_cast<int>(s));
    }
    values[plan_.output].last_use = static_cast<int>(plan_.steps.size());

    struct Slot { size_t bytes = 0; bool free = true; };
    std::vector<Slot> slots;
    std::vector<std::pair<size_t*, int>> placed;  // offset field -> slot
    const auto align = [](size_t b) { return (b + 63) / 64 * 64; };
    const auto take = [&](size_t bytes) {
      int best = -1;
      for (size_t i = 0; i < slots.size(); ++i) {
        if (!slots[i].free) continue;
        // Prefer the smallest slot that fits, else the largest (which then grows).
        const bool fits = slots[i].bytes >= bytes;
        if (best < 0) { best = static_cast<int>(i); continue; }
        const bool best_fits = slots[best].bytes >= bytes;
        if ((fits && (!best_fits || slots[i].bytes < slots[best].bytes)) || (!fits && !best_fits && slots[i].bytes > slots[best].bytes)) {
          best = static_cast<int>(i);
        }
      }
      if (best < 0) {
        slots.push_back({});
        best = static_cast<int>(slots.size()) - 1;
      }
      slots[best].free = false;
      slots[best].bytes = std::max(slots[best].bytes, align(bytes));
      return best;
    };
    std::vector<int> slot_u8(values.size(), -1), slot_f32(values.size(), -1);
    for (size_t s = 0; s < plan_.steps.size(); ++s) {
      Value& out = values[plan_.steps[s].output];
      const int o = plan_.steps[s].output;
      if (out.has_u8) slot_u8[o] = take(out.elems());
      if (out.has_f32) slot_f32[o] = take(out.elems() * sizeof(float));
      for (size_t v = 0; v < values.size(); ++v) {
        if (values[v].last_use != static_cast<int>(s)) continue;
        if (slot_u8[v] >= 0) slots[slot_u8[v]].free = true;
        if (slot_f32[v] >= 0) slots[slot_f32[v]].free = true;
      }
    }
    std::vector<size_t> offset(slots.size());
    size_t total = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      offset[i] = total;
      total += slots[i].bytes;
    }
    plan_.arena_bytes_per_image = total;
    for (size_t v = 0; v < values.size(); ++v) {
      if (slot_u8[v] >= 0) values[v].off_u8 = offset[slot_u8[v]];
      if (slot_f32[v] >= 0) values[v].off_f32 = offset[slot_f32[v]];
    }

    // Per-worker scratch for im2col and fp32 accumulators; tap offsets for indirect layers.
    plan_.max_rows = opt_.gemm_rows;
    for (Step& st : plan_.steps) {
      if (st.kind != StepKind::gemm) continue;
      GemmLayer& L = st.gemm;
      const size_t rows = static_cast<size_t>(plan_.max_rows);
      L.indirect = opt_.indirect_convs && !L.direct &&
                   (L.int8 ? L.Cg % 4 == 0 && L.pad_byte == 0 : L.groups == 1 && L.K <= kernels::kMaxDirectConvK);
      if (L.int8 && L.indirect) {
        L.tap_offsets = tap_offsets(L);
        plan_.zero_run = std::max(plan_.zero_run, static_cast<size_t>(L.Cg));
      } else if (L.int8) {
        if (L.im2col()) plan_.scratch_u8 = std::max(plan_.scratch_u8, rows * L.K);
      } else {
        plan_.scratch_f32 = std::max(plan_.scratch_f32, rows * (L.im2col() ? L.K : 0) + rows * L.Og);
      }
    }
  }

  // Byte offsets of every output row's taps in the input image (-1: padding), computed
  // once per geometry and shared by the layers that have it.
  std::shared_ptr<const std::vector<int32_t>> tap_offsets(const GemmLayer& L) {
    const std::array<int, 9> key{L.in_h, L.in_w, L.in_c, L.kh, L.kw, L.sh, L.sw, L.ph, L.pw};
    auto& cached = offsets_by_geometry_[key];
    if (cached) return cached;
    if (static_cast<int64_t>(L.in_h) * L.in_w * L.in_c > INT32_MAX) {
      fail("an activation of " + std::to_string(L.in_h) + "x" + std::to_string(L.in_w) + "x" + std::to_string(L.in_c) +
           " values is too large for 32-bit tap offsets");
    }
    auto offsets = std::make_shared<std::vector<int32_t>>();
    offsets->reserve(static_cast<size_t>(L.out_h) * L.out_w * L.kh * L.kw);
    for (int oy = 0; oy < L.out_h; ++oy)
      for (int ox = 0; ox < L.out_w; ++ox)
        for (int iy = oy * L.sh - L.ph; iy < oy * L.sh - L.ph + L.kh; ++iy)
          for (int ix = ox * L.sw - L.pw; ix < ox * L.sw - L.pw + L.kw; ++ix) {
            const bool inside = iy >= 0 && iy < L.in_h && ix >= 0 && ix < L.in_w;
            offsets->push_back(inside ? (iy * L.in_w + ix) * L.in_c : -1);
          }
    cached = std::move(offsets);
    return cached;
  }

  std::map<std::array<int, 9>, std::shared_ptr<const std::vector<int32_t>>> offsets_by_geometry_;
  const ModelFile& file_;
  bool input_quantized_ = false;  // the graph input's u8 scale and zero point are set (quantize_graph_input)
  const CompileOptions& opt_;
  const format::Graph& g_;
  Plan plan_;
  std::map<std::string, int> ids_;
  std::vector<std::vector<int>> consumers_;
  std::vector<Group> groups_;
  std::vector<int> group_start_, group_of_end_;
  std::vector<bool> absorbed_;
};

}  // namespace

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::input: return "input";
    case StepKind::gemm: return "gemm";
    case StepKind::maxpool: return "maxpool";
    case StepKind::avgpool: return "avgpool";
    case StepKind::global_avgpool: return "global_avgpool";
    case StepKind::add: return "add";
    case StepKind::relu: return "relu";
    case StepKind::affine: return "batchnorm";
    case StepKind::copy: return "flatten";
    case StepKind::concat: return "concat";
  }
  return "?";
}

Plan compile_plan(const format::ModelFile& file, const CompileOptions& options) {
  return Compiler(file, options).run();
}

}  // namespace ttq::runtime
