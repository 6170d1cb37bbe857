// The runtime against its oracles: the fp32 reference path against a naive NCHW
// implementation, the fast (u8 x ternary) path against the reference path, and
// the properties the runtime promises (determinism, batching, typed errors).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "kernels/gemm_u8s8.h"
#include "runtime/model_impl.h"
#include "runtime/ternary_levels.h"
#include "test_models.h"
#include "ttq/runtime.h"

namespace ttq {
namespace {

using runtime_test::input_size;
using runtime_test::make_mixed;
using runtime_test::make_resnet_like;
using runtime_test::make_ternary_on_relu;
using runtime_test::naive_forward;
using runtime_test::random_input;

Options opts(int threads, Precision p) {
  Options o;
  o.threads = threads;
  o.precision = p;
  return o;
}

std::vector<format::ModelFile> all_models() {
  return {make_resnet_like(1), make_resnet_like(2, /*all_fp32=*/true), make_mixed(3), make_mixed(4),
          runtime_test::make_imagenet_stem_like(5)};
}

int argmax(const float* v, int n) { return static_cast<int>(std::max_element(v, v + n) - v); }

// Wn/Wp = 0.02: with levels <= 32 the -1 weights cannot be less than 1 unit of wp / 32, so
// each counts 0.031 instead of 0.02 (the sign must survive). On post-ReLU inputs that
// shifts each output channel by about the same amount on every image; the file's
// per-channel input means put it back. (Error diffusion leaves a smaller shift of the
// same kind wherever the levels are not whole numbers.)
TEST(BiasCorrection, TheInputMeansTakeTheIntegerLevelsShiftOut) {
  const format::ModelFile m = make_ternary_on_relu(5, 0.02f);
  const auto lv = runtime::ternary_levels(m.tensors.at("t.weight").wp, m.tensors.at("t.weight").wn, 32, "t.weight");
  ASSERT_LT(lv.n, 0.7);  // the premise: decoded as 1, the levels miss
  ASSERT_EQ(m.calibration_mean.size(), 1u);
  const int batch = 8, C = 16, hw = 100;
  const auto x = random_input(m, batch, 11);
  const auto ref = Model::from_model_file(m, opts(1, Precision::fp32_reference)).run(x, batch);
  Options fast = opts(1, Precision::fast);
  fast.max_weight_level = 32;  // levels every kernel takes, so the premise holds on any CPU
  // Sum over channels of |mean over images and pixels of (fast - reference)|.
  const auto channel_shift = [&](const format::ModelFile& f) {
    const auto got = Model::from_model_file(f, fast).run(x, batch);
    std::vector<double> diff(C, 0.0);
    for (size_t i = 0; i < got.size(); ++i) diff[(i % (C * hw)) / hw] += got[i] - ref[i];
    double total = 0;
    for (double d : diff) total += std::fabs(d) / (batch * hw);
    return total;
  };
  format::ModelFile without = m;
  without.calibration_mean.clear();
  const double corrected = channel_shift(m), uncorrected = channel_shift(without);
  EXPECT_LT(corrected, 0.25 * uncorrected) << "corrected " << corrected << ", uncorrected " << uncorrected;
}

TEST(Reference, MatchesNaiveNchw) {
  for (const auto& m : all_models()) {
    const int batch = 3;
    const auto x = random_input(m, batch, 7);
    const auto want = naive_forward(m, x, batch).at(m.graph.output);
    Model model = Model::from_model_file(m, opts(2, Precision::fp32_reference));
    const auto got = model.run(x, batch);
    ASSERT_EQ(got.size(), want.size()) << m.architecture;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], 1e-4 * (1.0 + std::fabs(want[i]))) << m.architecture << " logit " << i;
    }
  }
}

TEST(Fast, CloseToReference) {
  for (const auto& m : all_models()) {
    const int batch = 32, nc = m.num_classes;
    const auto x = random_input(m, batch, 11);
    Model fast = Model::from_model_file(m, opts(1, Precision::fast));
    Model ref = Model::from_model_file(m, opts(1, Precision::fp32_reference));
    const auto a = fast.run(x, batch), b = ref.run(x, batch);
    double err = 0, norm = 0;
    int agree = 0;
    for (int i = 0; i < batch; ++i) {
      agree += argmax(&a[i * nc], nc) == argmax(&b[i * nc], nc);
      for (int c = 0; c < nc; ++c) {
        err += std::pow(a[i * nc + c] - b[i * nc + c], 2);
        norm += std::pow(b[i * nc + c], 2);
      }
    }
    const double rel = std::sqrt(err / norm);
    std::printf("%s: relative L2 error fast vs reference %.4f, argmax agreement %d/%d\n", m.architecture.c_str(), rel, agree, batch);
    EXPECT_LT(rel, 0.08) << m.architecture;
    EXPECT_GE(agree, batch * 3 / 4) << m.architecture;
  }
}

TEST(Fast, FusesEpiloguesAndStoresU8) {
  Model model = Model::from_model_file(make_resnet_like(1), opts(1, Precision::fast));
  const std::string plan = model.describe();
  // Identity block: conv + bn + add + relu in one u8 GEMM step writing u8.
  EXPECT_NE(plan.find("gemm[u8s8] b1.conv2+b1.conv2.bn+add("), std::string::npos) << plan;
  EXPECT_NE(plan.find("gemm[u8s8] b1.conv1+b1.conv1.bn+relu -> "), std::string::npos) << plan;
  EXPECT_NE(plan.find("gemm[f32] stem+stem.bn+relu"), std::string::npos) << plan;
  // The downsampling block's residual (the shortcut's batch norm) may be negative: it stays
  // f32 and the other branch's GEMM adds it as an f32 residual; no standalone add is left.
  EXPECT_NE(plan.find("gemm[u8s8] b2.shortcut -> t15 16x6x6 f32"), std::string::npos) << plan;
  // A value that a later block adds is kept in float as well: the residual stream is never
  // rounded to u8. The int8 GEMM's epilogue writes both forms, the f32 stem's likewise.
  EXPECT_NE(plan.find("gemm[u8s8] b2.conv2+b2.conv2.bn+add(t15)+relu -> t17 16x6x6 u8 f32\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("gemm[u8s8] b3.conv2+b3.conv2.bn+add(t17)+relu"), std::string::npos) << plan;
  EXPECT_NE(plan.find("gemm[f32] stem+stem.bn+relu -> t2 8x12x12 u8 f32\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("gemm[u8s8] b1.conv2+b1.conv2.bn+add(t2)+relu"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\n  add "), std::string::npos) << plan;
  // Standalone batchnorms are all folded.
  EXPECT_EQ(plan.find("\n  batchnorm"), std::string::npos) << plan;
}

TEST(Runtime, DeterministicAcrossThreadsAndRuns) {
  for (const auto& m : all_models()) {
    for (Precision p : {Precision::fast, Precision::fp32_reference}) {
      const int batch = 5;
      const auto x = random_input(m, batch, 5);
      Model one = Model::from_model_file(m, opts(1, p));
      const auto want = one.run(x, batch);
      EXPECT_EQ(one.run(x, batch), want);
      for (int threads : {2, 3}) {
        Model many = Model::from_model_file(m, opts(threads, p));
        EXPECT_EQ(many.run(x, batch), want) << m.architecture << " threads " << threads;
        EXPECT_EQ(many.run(x, batch), want) << m.architecture << " threads " << threads << " (second run)";
      }
    }
  }
}

TEST(Runtime, BatchEqualsSingleImages) {
  for (const auto& m : all_models()) {
    for (Precision p : {Precision::fast, Precision::fp32_reference}) {
      const int batch = 6, n = static_cast<int>(input_size(m));
      const auto x = random_input(m, batch, 9);
      Model model = Model::from_model_file(m, opts(2, p));
      const auto all = model.run(x, batch);
      for (int i = 0; i < batch; ++i) {
        const auto one = model.run(x.data() + static_cast<size_t>(i) * n, 1);
        for (int c = 0; c < m.num_classes; ++c) EXPECT_EQ(one[c], all[i * m.num_classes + c]) << m.architecture << " image " << i;
      }
    }
  }
}

// A batch run in chunks (each chunk through the whole network, one chunk's arena) gives
// the whole batch's logits bit for bit, for floats and raw pixels, with a last short chunk.
TEST(Runtime, ChunkedBatchesEqualTheWholeBatch) {
  for (const auto& m : all_models()) {
    for (Precision p : {Precision::fast, Precision::fp32_reference}) {
      const int batch = 7, n = static_cast<int>(input_size(m));
      const auto x = random_input(m, batch, 13);
      std::vector<uint8_t> pixels(static_cast<size_t>(batch) * n);
      for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 53 + 7) % 256);
      Options whole_opts = opts(2, p);
      whole_opts.batch_chunk = 0;
      Model whole = Model::from_model_file(m, whole_opts);
      const auto want = whole.run(x, batch), want_pixels = whole.run_pixels(pixels.data(), batch);
      for (int chunk : {1, 3, 16}) {
        Options o = opts(2, p);
        o.batch_chunk = chunk;
        Model chunked = Model::from_model_file(m, o);
        EXPECT_EQ(chunked.run(x, batch), want) << m.architecture << " chunk " << chunk;
        EXPECT_EQ(chunked.run_pixels(pixels.data(), batch), want_pixels) << m.architecture << " chunk " << chunk;
        EXPECT_EQ(chunked.arena_growths(), 1);  // sized for one chunk, once
      }
    }
  }
}

TEST(Runtime, PixelsAreNormalizedWithTheFilesMeanAndStd) {
  const auto m = make_resnet_like(1);
  const auto& s = m.graph.input_shape;
  const int batch = 2, hw = static_cast<int>(s[1] * s[2]), C = static_cast<int>(s[0]);
  std::vector<uint8_t> pixels(static_cast<size_t>(batch) * hw * C);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 37 + 11) % 256);
  std::vector<float> nchw(pixels.size());
  for (int b = 0; b < batch; ++b)
    for (int p = 0; p < hw; ++p)
      for (int c = 0; c < C; ++c)
        nchw[(static_cast<size_t>(b) * C + c) * hw + p] = (pixels[(static_cast<size_t>(b) * hw + p) * C + c] / 255.f - m.input_mean[c]) / m.input_std[c];
  Model model = Model::from_model_file(m, opts(1, Precision::fp32_reference));
  const auto a = model.run_pixels(pixels.data(), batch), b = model.run(nchw, batch);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * (1 + std::fabs(b[i])));
}

// With the same weight levels every kernel gives the scalar kernel's logits bit for bit:
// at 32 all of them, at 127 those that take it (not AVX2).
TEST(Runtime, EveryKernelGivesTheScalarOutputAtTheSameLevels) {
  int tried = 0;
  for (int top : {kernels::kCommonMaxWeight, kernels::kFullMaxWeight}) {
    Options o = opts(2, Precision::fast);
    o.max_weight_level = top;
    for (const auto& m : all_models()) {
      const auto x = random_input(m, 4, 3);
      const auto& f32 = kernels::best_gemm_f32();
      Model ref = runtime::make_model(m, o, kernels::gemm_u8s8_kernels().front(), f32);
      const auto want = ref.run(x, 4);
      for (const auto& k : kernels::gemm_u8s8_kernels()) {
        if (!kernels::cpu_supports(k.isa) || k.max_weight < top) continue;
        ++tried;
        Model model = runtime::make_model(m, o, k, f32);
        EXPECT_EQ(model.run(x, 4), want) << m.architecture << " kernel " << k.name << " levels " << top;
      }
    }
  }
  EXPECT_GT(tried, 0);
}

// By default a kernel's levels go up to its own limit (127 for the scalar one): on a layer
// whose Wn/Wp no fraction with terms <= 32 hits, the fast path lands closer to the reference.
TEST(Runtime, FinerLevelsByDefaultWhereTheKernelTakesThem) {
  const format::ModelFile m = make_ternary_on_relu(7, 0.984f);
  const int batch = 4;
  const auto x = random_input(m, batch, 2);
  const auto ref = Model::from_model_file(m, opts(1, Precision::fp32_reference)).run(x, batch);
  const auto& scalar = kernels::gemm_u8s8_kernels().front();
  ASSERT_EQ(scalar.max_weight, kernels::kFullMaxWeight);
  const auto error_at = [&](int level) {
    Options o = opts(1, Precision::fast);
    o.max_weight_level = level;
    const auto got = runtime::make_model(m, o, scalar, kernels::best_gemm_f32()).run(x, batch);
    double e = 0;
    for (size_t i = 0; i < got.size(); ++i) e += (got[i] - ref[i]) * (got[i] - ref[i]);
    return e;
  };
  EXPECT_EQ(error_at(0), error_at(kernels::kFullMaxWeight));  // 0 means the kernel's limit
  EXPECT_LT(error_at(0), error_at(kernels::kCommonMaxWeight));
}

// Convolutions read in place (run_indirect over tap offsets) give exactly the im2col path's
// output, with every kernel; the models mix Cg % 4 == 0 layers (indirect) with others.
TEST(Runtime, ConvolutionsReadInPlaceEqualIm2col) {
  for (const auto& m : all_models()) {
    const auto x = random_input(m, 3, 5);
    for (const auto& k : kernels::gemm_u8s8_kernels()) {
      if (!kernels::cpu_supports(k.isa)) continue;
      const auto& f32 = kernels::best_gemm_f32();
      Model rows = runtime::make_model(m, opts(2, Precision::fast), k, f32, nullptr, /*indirect_convs=*/true);
      Model im2col = runtime::make_model(m, opts(2, Precision::fast), k, f32, nullptr, /*indirect_convs=*/false);
      EXPECT_EQ(rows.run(x, 3), im2col.run(x, 3)) << m.architecture << " kernel " << k.name;
    }
  }
}

// Registered once per ISA with TTQ_ISA set (see CMakeLists.txt): the default
// kernel choice under that cap equals the scalar reference kernel.
TEST(Runtime, ActiveIsaMatchesScalar) {
  const auto m = make_resnet_like(1);
  const auto x = random_input(m, 3, 1);
  Options o = opts(1, Precision::fast);
  o.max_weight_level = kernels::best_gemm_u8s8().max_weight;  // the default of `best`, pinned for the scalar kernel
  Model best = Model::from_model_file(m, opts(1, Precision::fast));
  Model scalar = runtime::make_model(m, o, kernels::gemm_u8s8_kernels().front(), kernels::best_gemm_f32());
  std::printf("active ISA %s: %s", kernels::isa_name(kernels::active_isa()), best.describe().substr(0, best.describe().find('\n') + 1).c_str());
  EXPECT_EQ(best.run(x, 3), scalar.run(x, 3));
}

TEST(Errors, MissingCalibrationNamesTheActivation) {
  auto m = make_resnet_like(1);
  // The stem's output feeds the first ternary conv.
  const std::string victim = m.graph.nodes[2].output;  // stem conv, bn, relu
  ASSERT_EQ(m.graph.nodes[2].op, "relu");
  m.calibration.erase(victim);
  try {
    Model::from_model_file(m, opts(1, Precision::fast));
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + victim + "'"), std::string::npos) << e.what();
  }
  // The reference path quantizes nothing, so it does not need calibration.
  EXPECT_NO_THROW(Model::from_model_file(m, opts(1, Precision::fp32_reference)));
}

TEST(Errors, BadInputsAreTyped) {
  const auto m = make_resnet_like(1);
  Model model = Model::from_model_file(m, opts(1, Precision::fast));
  const auto x = random_input(m, 2, 1);
  EXPECT_THROW(model.run(x, 3), ShapeError);
  EXPECT_THROW(model.run(std::vector<float>(x.begin(), x.end() - 1), 2), ShapeError);
  EXPECT_THROW(model.run(x.data(), 0), ArgumentError);
  EXPECT_THROW(model.run(nullptr, 1), ArgumentError);
  EXPECT_THROW(Model::from_model_file(m, opts(0, Precision::fast)), ArgumentError);
  Options negative_chunk = opts(1, Precision::fast);
  negative_chunk.batch_chunk = -1;
  EXPECT_THROW(Model::from_model_file(m, negative_chunk), ArgumentError);
  for (int level : {-1, kernels::best_gemm_u8s8().max_weight + 1}) {
    Options o = opts(1, Precision::fast);
    o.max_weight_level = level;
    EXPECT_THROW(Model::from_model_file(m, o), ArgumentError) << level;
  }
}

TEST(Errors, InconsistentModelFilesAreTyped) {
  auto m = make_resnet_like(1);
  m.tensors.erase("b1.conv1.weight");
  EXPECT_THROW(Model::from_model_file(m, {}), FormatError);
  m = make_resnet_like(1);
  m.tensors["b1.conv1.weight"].shape = {8, 8, 1, 9};
  EXPECT_THROW(Model::from_model_file(m, {}), FormatError);
  m = make_resnet_like(1);
  m.tensors["b1.conv1.weight"].wn = -1.f;
  EXPECT_THROW(Model::from_model_file(m, {}), FormatError);
  m = make_resnet_like(1);
  m.graph.nodes[0].attrs["in_channels"] = 4;
  EXPECT_THROW(Model::from_model_file(m, {}), ShapeError);
  m = make_resnet_like(1);
  m.input_std = {1.f};
  EXPECT_THROW(Model::from_model_file(m, {}), FormatError);
}

}  // namespace
}  // namespace ttq
