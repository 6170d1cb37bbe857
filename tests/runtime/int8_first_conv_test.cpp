// An image network's first conv run in int8 (the graph attr "int8"): weights rounded per
// output channel, the normalized input quantized to u8 with a zero point, padding taps at
// that zero point. Fed real pixels, it stays close to the fp32 path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"
#include "runtime/model_impl.h"
#include "test_models.h"
#include "ttq/runtime.h"

namespace ttq {
namespace {

using runtime_test::make_imagenet_stem_like;

std::vector<uint8_t> random_pixels(const format::ModelFile& m, int batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> p(static_cast<size_t>(batch) * m.graph.input_shape[0] * m.graph.input_shape[1] *
                         m.graph.input_shape[2]);
  for (auto& v : p) v = static_cast<uint8_t>(d(rng));
  return p;
}

Options fast(int max_level = 0) {
  Options o;
  o.threads = 2;
  o.max_weight_level = max_level;
  return o;
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double e = 0, n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    e += (a[i] - b[i]) * (a[i] - b[i]);
    n += b[i] * b[i];
  }
  return std::sqrt(e / n);
}

TEST(Int8FirstConv, RunsAsAnInt8Gemm) {
  Model m = Model::from_model_file(make_imagenet_stem_like(1, true), fast());
  const std::string plan = m.describe();
  EXPECT_NE(plan.find("gemm[u8s8] stem+stem.bn+relu"), std::string::npos) << plan;
  EXPECT_NE(plan.find("\n  input input -> input 3x32x32 u8\n"), std::string::npos) << plan;
  Model plain = Model::from_model_file(make_imagenet_stem_like(1, false), fast());
  EXPECT_NE(plain.describe().find("gemm[f32] stem+stem.bn+relu"), std::string::npos) << plain.describe();
}

// The int8 stem adds little to the error the int8 network already has against fp32,
// on pixels (the input's whole range, borders included: the 7x7 stem pads by 3).
TEST(Int8FirstConv, CloseToTheFp32Stem) {
  const int batch = 16;
  for (uint32_t seed : {1u, 2u, 3u}) {
    const auto with = make_imagenet_stem_like(seed, true), without = make_imagenet_stem_like(seed, false);
    const auto px = random_pixels(with, batch, seed + 7);
    Options ref_o = fast();
    ref_o.precision = Precision::fp32_reference;
    const auto ref = Model::from_model_file(without, ref_o).run_pixels(px.data(), batch);
    // The reference path ignores the attribute: it is the same fp32 network.
    EXPECT_EQ(Model::from_model_file(with, ref_o).run_pixels(px.data(), batch), ref);
    const auto int8_stem = Model::from_model_file(with, fast()).run_pixels(px.data(), batch);
    const auto fp32_stem = Model::from_model_file(without, fast()).run_pixels(px.data(), batch);
    const double e_int8 = relative_error(int8_stem, ref), e_fp32 = relative_error(fp32_stem, ref);
    std::printf("seed %u: relative error vs fp32 reference: int8 stem %.4f, fp32 stem %.4f\n", seed, e_int8, e_fp32);
    EXPECT_LT(e_int8, 0.05);
    EXPECT_LT(e_int8, e_fp32 + 0.02);
  }
}

// With the same weight levels every kernel computes the scalar kernel's logits bit for bit.
TEST(Int8FirstConv, EveryKernelGivesTheScalarOutput) {
  const auto m = make_imagenet_stem_like(4, true);
  const auto px = random_pixels(m, 3, 9);
  const auto& f32 = kernels::best_gemm_f32();
  Model ref = runtime::make_model(m, fast(kernels::kCommonMaxWeight), kernels::gemm_u8s8_kernels().front(), f32);
  const auto want = ref.run_pixels(px.data(), 3);
  for (const auto& k : kernels::gemm_u8s8_kernels()) {
    if (!kernels::cpu_supports(k.isa)) continue;
    Model model = runtime::make_model(m, fast(kernels::kCommonMaxWeight), k, f32);
    EXPECT_EQ(model.run_pixels(px.data(), 3), want) << k.name;
  }
}

// Ternary convs run in int8 anyway (the mark changes nothing); an fp32 conv that does not
// read the graph input has no u8 input to run on, and is refused.
TEST(Int8FirstConv, OnlyTheConvReadingTheInputCanBeMarked) {
  auto m = make_imagenet_stem_like(5, false);
  for (auto& n : m.graph.nodes) {
    if (n.name == "b1.conv1") n.attrs["int8"] = true;
  }
  EXPECT_NO_THROW(Model::from_model_file(m, fast()));
  format::Tensor& w = m.tensors.at("b1.conv1.weight");
  w.values.resize(w.codes.size());
  for (size_t i = 0; i < w.codes.size(); ++i) w.values[i] = 0.1f * w.codes[i];
  w.codes.clear();
  w.encoding = format::Encoding::fp32;
  EXPECT_THROW(Model::from_model_file(m, fast()), FormatError);
}

}  // namespace
}  // namespace ttq
