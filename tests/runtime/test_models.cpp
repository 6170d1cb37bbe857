#include "test_models.h"

#include <algorithm>
#include <cmath>

#include "format/graph_shapes.h"

namespace ttq::runtime_test {
namespace {

using format::Encoding;
using format::GraphBuilder;
using format::ModelFile;
using format::Node;
using format::Tensor;

struct Shape { int c, h, w; };

class Maker {
 public:
  explicit Maker(uint32_t seed) : rng_(seed) {}
  std::mt19937 rng_;
  ModelFile m;

  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng_); }

  void weight(const std::string& name, std::vector<int64_t> shape, int fan_in, bool ternary) {
    Tensor t;
    t.shape = std::move(shape);
    int64_t n = 1;
    for (auto d : t.shape) n *= d;
    const float sd = std::sqrt(2.f / static_cast<float>(fan_in));
    if (ternary) {
      t.encoding = Encoding::ternary2;
      t.codes.resize(n);
      for (auto& c : t.codes) {
        const float u = uniform(0.f, 1.f);
        c = static_cast<int8_t>(u < 0.3f ? 0 : u < 0.65f ? 1 : -1);
      }
      t.wp = sd * uniform(0.6f, 1.4f);
      t.wn = sd * uniform(0.6f, 1.4f);
    } else {
      std::normal_distribution<float> nd(0.f, sd);
      t.values.resize(n);
      for (auto& v : t.values) v = nd(rng_);
    }
    m.tensors[name] = std::move(t);
  }
  void vec(const std::string& name, int n, float lo, float hi) {
    Tensor t;
    t.shape = {n};
    t.values.resize(n);
    for (auto& v : t.values) v = uniform(lo, hi);
    m.tensors[name] = std::move(t);
  }
  // conv + its tensors, optionally followed by an unfolded batchnorm.
  std::string conv(GraphBuilder& g, const std::string& name, const std::string& x, int in, int out, int k, int s, int p, bool ternary,
                   bool bn, int groups = 1, bool conv_affine = false) {
    std::string y = g.conv2d(name, x, in, out, k, s, p, groups);
    weight(name + ".weight", {out, in / groups, k, k}, in / groups * k * k, ternary);
    if (conv_affine) {  // scale/bias stored on the conv itself (already folded by an exporter)
      vec(name + ".scale", out, 0.5f, 1.5f);
      vec(name + ".bias", out, -0.2f, 0.2f);
    }
    if (bn) {
      y = g.batchnorm(name + ".bn", y, out);
      vec(name + ".bn.scale", out, 0.5f, 1.5f);
      vec(name + ".bn.bias", out, -0.2f, 0.3f);
    }
    return y;
  }
  std::string linear(GraphBuilder& g, const std::string& name, const std::string& x, int in, int out, bool ternary) {
    const std::string y = g.linear(name, x, in, out);
    weight(name + ".weight", {out, in}, in, ternary);
    vec(name + ".bias", out, -0.1f, 0.1f);
    return y;
  }
};

void finish_common(ModelFile& m, const std::string& arch, int classes) {
  m.architecture = arch;
  m.num_classes = classes;
  m.input_mean.assign(m.graph.input_shape[0], 0.f);
  m.input_std.assign(m.graph.input_shape[0], 1.f);
  for (int c = 0; c < m.graph.input_shape[0]; ++c) {
    m.input_mean[c] = 0.4f + 0.05f * c;
    m.input_std[c] = 0.2f + 0.02f * c;
  }
}

// ---- naive NCHW ops --------------------------------------------------------------
struct T4 {
  int n = 0, c = 0, h = 0, w = 0;
  std::vector<float> v;
  float& at(int a, int b, int y, int x) { return v[((static_cast<size_t>(a) * c + b) * h + y) * w + x]; }
  float at(int a, int b, int y, int x) const { return v[((static_cast<size_t>(a) * c + b) * h + y) * w + x]; }
};

float weight_at(const Tensor& t, size_t i) {
  if (t.encoding == Encoding::fp32) return t.values[i];
  return t.codes[i] > 0 ? t.wp : t.codes[i] < 0 ? -t.wn : 0.f;
}
const Tensor* find(const ModelFile& m, const std::string& name) {
  auto it = m.tensors.find(name);
  return it == m.tensors.end() ? nullptr : &it->second;
}
int pr(const Node& n, const char* k, int i) { return n.attrs.at(k).at(i).get<int>(); }

}  // namespace

Activations naive_forward(const ModelFile& m, const std::vector<float>& input, int batch) {
  std::map<std::string, T4> acts;
  const auto& s = m.graph.input_shape;
  acts["input"] = T4{batch, static_cast<int>(s[0]), static_cast<int>(s[1]), static_cast<int>(s[2]), input};
  for (const Node& n : m.graph.nodes) {
    const T4& x = acts.at(n.inputs[0]);
    T4 y;
    y.n = x.n;
    if (n.op == "conv2d") {
      const Tensor& wt = *find(m, n.name + ".weight");
      const int O = n.attrs["out_channels"], G = n.attrs["groups"], kh = pr(n, "kernel", 0), kw = pr(n, "kernel", 1);
      const int sh = pr(n, "stride", 0), sw = pr(n, "stride", 1), ph = pr(n, "padding", 0), pw = pr(n, "padding", 1);
      const int Ig = x.c / G, Og = O / G;
      y.c = O;
      y.h = (x.h + 2 * ph - kh) / sh + 1;
      y.w = (x.w + 2 * pw - kw) / sw + 1;
      y.v.assign(static_cast<size_t>(y.n) * y.c * y.h * y.w, 0.f);
      const Tensor* sc = find(m, n.name + ".scale");
      const Tensor* bi = find(m, n.name + ".bias");
      for (int b = 0; b < y.n; ++b)
        for (int o = 0; o < O; ++o)
          for (int oy = 0; oy < y.h; ++oy)
            for (int ox = 0; ox < y.w; ++ox) {
              double acc = 0;
              const int g = o / Og;
              for (int ci = 0; ci < Ig; ++ci)
                for (int ky = 0; ky < kh; ++ky)
                  for (int kx = 0; kx < kw; ++kx) {
                    const int iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
                    if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                    acc += static_cast<double>(x.at(b, g * Ig + ci, iy, ix)) * weight_at(wt, ((static_cast<size_t>(o) * Ig + ci) * kh + ky) * kw + kx);
                  }
              double v = acc * (sc ? sc->values[o] : 1.0) + (bi ? bi->values[o] : 0.0);
              y.at(b, o, oy, ox) = static_cast<float>(v);
            }
    } else if (n.op == "linear") {
      const Tensor& wt = *find(m, n.name + ".weight");
      const int O = n.attrs["out_features"], I = n.attrs["in_features"];
      const Tensor* sc = find(m, n.name + ".scale");
      const Tensor* bi = find(m, n.name + ".bias");
      y.c = O;
      y.h = y.w = 1;
      y.v.resize(static_cast<size_t>(y.n) * O);
      for (int b = 0; b < y.n; ++b)
        for (int o = 0; o < O; ++o) {
          double acc = 0;
          for (int i = 0; i < I; ++i) acc += static_cast<double>(x.v[static_cast<size_t>(b) * I + i]) * weight_at(wt, static_cast<size_t>(o) * I + i);
          y.v[static_cast<size_t>(b) * O + o] = static_cast<float>(acc * (sc ? sc->values[o] : 1.0) + (bi ? bi->values[o] : 0.0));
        }
    } else if (n.op == "batchnorm") {
      y = x;
      const Tensor& sc = *find(m, n.name + ".scale");
      const Tensor& bi = *find(m, n.name + ".bias");
      for (int b = 0; b < y.n; ++b)
        for (int c = 0; c < y.c; ++c)
          for (int p = 0; p < y.h * y.w; ++p) {
            float& v = y.v[(static_cast<size_t>(b) * y.c + c) * y.h * y.w + p];
            v = v * sc.values[c] + bi.values[c];
          }
    } else if (n.op == "relu") {
      y = x;
      for (auto& v : y.v) v = std::max(v, 0.f);
    } else if (n.op == "add") {
      y = x;
      const T4& z = acts.at(n.inputs[1]);
      for (size_t i = 0; i < y.v.size(); ++i) y.v[i] += z.v[i];
    } else if (n.op == "concat") {
      y.c = 0;
      y.h = x.h;
      y.w = x.w;
      for (const auto& in : n.inputs) y.c += acts.at(in).c;
      y.v.resize(static_cast<size_t>(y.n) * y.c * y.h * y.w);
      int c0 = 0;
      for (const auto& in : n.inputs) {
        const T4& z = acts.at(in);
        for (int b = 0; b < y.n; ++b)
          for (int c = 0; c < z.c; ++c)
            for (int yy = 0; yy < y.h; ++yy)
              for (int xx = 0; xx < y.w; ++xx) y.at(b, c0 + c, yy, xx) = z.at(b, c, yy, xx);
        c0 += z.c;
      }
    } else if (n.op == "maxpool2d" || n.op == "avgpool2d") {
      const int kh = pr(n, "kernel", 0), kw = pr(n, "kernel", 1), sh = pr(n, "stride", 0), sw = pr(n, "stride", 1);
      const int ph = pr(n, "padding", 0), pw = pr(n, "padding", 1);
      const bool mx = n.op == "maxpool2d";
      y.c = x.c;
      y.h = (x.h + 2 * ph - kh) / sh + 1;
      y.w = (x.w + 2 * pw - kw) / sw + 1;
      y.v.resize(static_cast<size_t>(y.n) * y.c * y.h * y.w);
      for (int b = 0; b < y.n; ++b)
        for (int c = 0; c < y.c; ++c)
          for (int oy = 0; oy < y.h; ++oy)
            for (int ox = 0; ox < y.w; ++ox) {
              double acc = mx ? -1e30 : 0;
              for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx) {
                  const int iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
                  if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                  acc = mx ? std::max(acc, static_cast<double>(x.at(b, c, iy, ix))) : acc + x.at(b, c, iy, ix);
                }
              y.at(b, c, oy, ox) = static_cast<float>(mx ? acc : acc / (kh * kw));
            }
    } else if (n.op == "global_avgpool") {
      y.c = x.c;
      y.h = y.w = 1;
      y.v.resize(static_cast<size_t>(y.n) * y.c);
      for (int b = 0; b < y.n; ++b)
        for (int c = 0; c < y.c; ++c) {
          double acc = 0;
          for (int p = 0; p < x.h * x.w; ++p) acc += x.v[(static_cast<size_t>(b) * x.c + c) * x.h * x.w + p];
          y.v[static_cast<size_t>(b) * y.c + c] = static_cast<float>(acc / (x.h * x.w));
        }
    } else if (n.op == "flatten") {
      y = x;
      y.c = x.c * x.h * x.w;
      y.h = y.w = 1;
    }
    acts[n.output] = std::move(y);
  }
  Activations out;
  for (auto& [k, v] : acts) out[k] = std::move(v.v);
  return out;
}

ModelFile make_resnet_like(uint32_t seed, bool all_fp32) {
  Maker mk(seed);
  const bool t = !all_fp32;
  GraphBuilder g({3, 12, 12});
  std::string x = mk.conv(g, "stem", g.input(), 3, 8, 3, 1, 1, false, true);
  x = g.relu(x);
  // identity block
  std::string y = g.relu(mk.conv(g, "b1.conv1", x, 8, 8, 3, 1, 1, t, true));
  y = mk.conv(g, "b1.conv2", y, 8, 8, 3, 1, 1, t, true);
  x = g.relu(g.add(y, x));
  // downsampling block (stride 2), conv shortcut with folded affine on the conv itself
  y = g.relu(mk.conv(g, "b2.conv1", x, 8, 16, 3, 2, 1, t, true));
  y = mk.conv(g, "b2.conv2", y, 16, 16, 3, 1, 1, t, true);
  const std::string sc = mk.conv(g, "b2.shortcut", x, 8, 16, 1, 2, 0, t, false, 1, true);
  x = g.relu(g.add(y, sc));
  // a third block whose add input comes first (add(x, y) order)
  y = g.relu(mk.conv(g, "b3.conv1", x, 16, 16, 1, 1, 0, t, true));
  y = mk.conv(g, "b3.conv2", y, 16, 16, 3, 1, 1, t, true);
  x = g.relu(g.add(x, y));
  x = g.maxpool2d(x, 2, 2, 0);
  x = g.flatten(g.global_avgpool(x));
  x = mk.linear(g, "fc", x, 16, 10, false);
  mk.m.graph = g.finish(x);
  finish_common(mk.m, "resnet_like", 10);
  calibrate(&mk.m, 8, seed + 1000);
  return mk.m;
}

ModelFile make_imagenet_stem_like(uint32_t seed, bool int8_stem) {
  Maker mk(seed);
  GraphBuilder g({3, 32, 32});
  std::string x = g.relu(mk.conv(g, "stem", g.input(), 3, 16, 7, 2, 3, false, true));  // 16x16
  x = g.maxpool2d(x, 3, 2, 1);                                                         // 8x8
  std::string y = g.relu(mk.conv(g, "b1.conv1", x, 16, 16, 3, 1, 1, true, true));
  y = mk.conv(g, "b1.conv2", y, 16, 16, 3, 1, 1, true, true);
  x = g.relu(g.add(y, x));
  x = mk.linear(g, "fc", g.flatten(g.global_avgpool(x)), 16, 10, false);
  mk.m.graph = g.finish(x);
  if (int8_stem) mk.m.graph.nodes.front().attrs["int8"] = true;
  finish_common(mk.m, "imagenet_stem_like", 10);
  calibrate(&mk.m, 8, seed + 1000);
  return mk.m;
}

ModelFile make_ternary_on_relu(uint32_t seed, float wn_over_wp) {
  Maker mk(seed);
  GraphBuilder g({3, 10, 10});
  std::string x = g.relu(mk.conv(g, "stem", g.input(), 3, 16, 3, 1, 1, false, true));
  x = mk.conv(g, "t", x, 16, 16, 3, 1, 1, true, false);
  mk.m.graph = g.finish(x);
  Tensor& w = mk.m.tensors.at("t.weight");
  w.wn = w.wp * wn_over_wp;
  finish_common(mk.m, "ternary_on_relu", 16 * 10 * 10);
  calibrate(&mk.m, 16, seed + 1000);
  return mk.m;
}

ModelFile make_cifar_resnet(int blocks_per_stage, uint32_t seed) {
  Maker mk(seed);
  GraphBuilder g({3, 32, 32});
  std::string x = g.relu(mk.conv(g, "conv1", g.input(), 3, 16, 3, 1, 1, false, true));
  int in = 16;
  for (int stage = 0; stage < 3; ++stage) {
    const int out = 16 << stage;
    for (int b = 0; b < blocks_per_stage; ++b) {
      const std::string name = "layer" + std::to_string(stage + 1) + "." + std::to_string(b);
      const int stride = (stage > 0 && b == 0) ? 2 : 1;
      std::string y = g.relu(mk.conv(g, name + ".conv1", x, in, out, 3, stride, 1, true, true));
      y = mk.conv(g, name + ".conv2", y, out, out, 3, 1, 1, true, true);
      const std::string sc = stride == 1 ? x : mk.conv(g, name + ".shortcut", x, in, out, 1, stride, 0, true, true);
      x = g.relu(g.add(y, sc));
      in = out;
    }
  }
  x = mk.linear(g, "fc", g.flatten(g.global_avgpool(x)), 64, 10, false);
  mk.m.graph = g.finish(x);
  finish_common(mk.m, "cifar_resnet", 10);
  calibrate(&mk.m, 2, seed + 1000);
  return mk.m;
}

ModelFile make_mixed(uint32_t seed) {
  Maker mk(seed);
  GraphBuilder g({2, 9, 9});
  std::string x = g.relu(mk.conv(g, "stem", g.input(), 2, 8, 3, 1, 1, false, true));
  const std::string a = g.relu(mk.conv(g, "branch_a", x, 8, 6, 1, 1, 0, true, true));
  const std::string b = g.relu(mk.conv(g, "branch_b", x, 8, 6, 3, 1, 1, true, false, 1, true));
  x = g.concat({a, b});                                  // 12 channels
  x = g.avgpool2d(x, 3, 1, 1);                           // 9x9
  x = mk.conv(g, "grouped", x, 12, 8, 3, 2, 1, true, false, 2);  // groups 2, stride 2 -> 5x5
  x = g.batchnorm("pre_bn", x, 8);                       // folded into 'grouped'
  x = g.relu(x);
  x = g.maxpool2d(x, 3, 2, 1);                           // 3x3
  // a standalone batchnorm (its input has two consumers, so it cannot fold)
  const std::string bn = g.batchnorm("side_bn", x, 8);
  mk.vec("side_bn.scale", 8, 0.5f, 1.5f);
  mk.vec("side_bn.bias", 8, -0.2f, 0.2f);
  x = g.relu(g.add(g.relu(bn), x));
  x = g.flatten(x);                                      // 72 values in NCHW order
  x = g.relu(mk.linear(g, "hidden", x, 72, 20, true));
  x = mk.linear(g, "fc", x, 20, 5, false);
  mk.m.graph = g.finish(x);
  mk.vec("pre_bn.scale", 8, 0.5f, 1.5f);
  mk.vec("pre_bn.bias", 8, -0.2f, 0.3f);
  finish_common(mk.m, "mixed", 5);
  calibrate(&mk.m, 8, seed + 1000);
  return mk.m;
}

int64_t input_size(const ModelFile& m) {
  const auto& s = m.graph.input_shape;
  return s[0] * s[1] * s[2];
}

std::vector<float> random_input(const ModelFile& m, int batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<float> v(static_cast<size_t>(batch) * input_size(m));
  for (auto& x : v) x = nd(rng);
  return v;
}

void calibrate(ModelFile* m, int images, uint32_t seed) {
  const Activations acts = naive_forward(*m, random_input(*m, images, seed), images);
  m->calibration.clear();
  for (const auto& [name, v] : acts) {
    float mx = 0.f;
    for (float e : v) mx = std::max(mx, e);
    m->calibration[name] = mx;
  }
  // Per-channel means of the inputs of ternary layers, as the exporter writes them.
  const auto shapes = format::infer_shapes(m->graph);
  m->calibration_mean.clear();
  for (const std::string& in : format::ternary_layer_inputs(*m)) {
    const std::vector<float>& v = acts.at(in);
    const int64_t C = shapes.at(in).at(0), per_image = static_cast<int64_t>(v.size()) / images, spatial = per_image / C;
    std::vector<double> sum(C, 0.0);
    for (size_t i = 0; i < v.size(); ++i) sum[(static_cast<int64_t>(i) % per_image) / spatial] += v[i];
    auto& mean = m->calibration_mean[in];
    for (double s : sum) mean.push_back(static_cast<float>(s / (static_cast<double>(images) * spatial)));
  }
}

}  // namespace ttq::runtime_test
