#include "sample_models.h"

#include <random>

namespace ttq::format::testing {
namespace {

struct Maker {
  std::mt19937 rng;
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  float value() { return std::uniform_real_distribution<float>(-2.f, 2.f)(rng); }

  Tensor fp32(std::vector<int64_t> shape) {
    Tensor t;
    t.shape = std::move(shape);
    t.values.resize(t.numel());
    for (auto& v : t.values) v = value();
    return t;
  }
  Tensor weight(std::vector<int64_t> shape) {
    const int kind = pick(0, 2);
    if (kind == 0) return fp32(std::move(shape));
    Tensor t;
    t.shape = std::move(shape);
    t.encoding = kind == 1 ? Encoding::ternary2 : Encoding::ternary1_6;
    t.codes.resize(t.numel());
    for (auto& c : t.codes) c = static_cast<int8_t>(pick(-1, 1));
    t.wp = 0.1f + pick(0, 100) / 100.f;
    t.wn = 0.1f + pick(0, 100) / 100.f;
    return t;
  }
};

}  // namespace

ModelFile random_model(uint32_t seed) {
  Maker mk{std::mt19937(seed)};
  const int in_ch = mk.pick(1, 3), size = mk.pick(3, 8), classes = mk.pick(2, 10);
  int ch = mk.pick(2, 5);
  GraphBuilder b({in_ch, size, size});
  std::string x = b.conv2d("stem", b.input(), in_ch, ch, 3, 1, 1);
  x = b.relu(b.batchnorm("stem_bn", x, ch));
  const int blocks = mk.pick(1, 2);
  for (int i = 0; i < blocks; ++i) {
    const std::string name = "block" + std::to_string(i);
    const int k = mk.pick(0, 1) ? 3 : 1;
    const int groups = mk.pick(0, 3) == 0 ? ch : 1;
    std::string y = b.conv2d(name + ".conv", x, ch, ch, k, 1, k / 2, groups);
    if (mk.pick(0, 1)) y = b.batchnorm(name + ".bn", y, ch);
    x = b.relu(b.add(x, y));
  }
  x = b.linear("fc", b.flatten(b.global_avgpool(x)), ch, classes);

  ModelFile m;
  m.architecture = "fuzznet";
  m.graph = b.finish(x);
  m.num_classes = classes;
  for (const Node& n : m.graph.nodes) {
    const auto a = [&](const char* key) { return n.attrs.at(key).get<int64_t>(); };
    if (n.op == "conv2d" || n.op == "linear") {
      const bool conv = n.op == "conv2d";
      const int64_t out = conv ? a("out_channels") : a("out_features");
      m.tensors[n.name + ".weight"] =
          conv ? mk.weight({out, a("in_channels") / a("groups"), n.attrs.at("kernel").at(0).get<int64_t>(), n.attrs.at("kernel").at(1).get<int64_t>()})
               : mk.weight({out, a("in_features")});
      if (mk.pick(0, 1)) m.tensors[n.name + ".scale"] = mk.fp32({out});
      if (mk.pick(0, 1)) m.tensors[n.name + ".bias"] = mk.fp32({out});
    } else if (n.op == "batchnorm") {
      m.tensors[n.name + ".scale"] = mk.fp32({a("channels")});
      m.tensors[n.name + ".bias"] = mk.fp32({a("channels")});
    }
    if (n.op == "relu" && mk.pick(0, 1)) m.calibration[n.output] = 0.5f + mk.pick(0, 100) / 10.f;
  }
  m.calibration["input"] = 2.5f;
  if (mk.pick(0, 1)) {
    for (int c = 0; c < in_ch; ++c) m.calibration_mean["input"].push_back(0.05f * static_cast<float>(c) - 0.1f);
  }
  for (int c = 0; c < in_ch; ++c) {
    m.input_mean.push_back(0.1f * static_cast<float>(c + 4));
    m.input_std.push_back(0.2f + 0.01f * static_cast<float>(c));
  }
  m.info = {{"dataset", "synthetic"}, {"seed", seed}};
  return m;
}

}  // namespace ttq::format::testing
