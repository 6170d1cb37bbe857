// Every u8 x s8 kernel this CPU supports against the scalar reference: int32
// accumulators bit for bit, u8, f32 and dual (f32 + u8) epilogue outputs identical (bitwise).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "common/error.h"
#include "gemm_test_util.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

using testing::random_f32;
using testing::random_s8;
using testing::random_u8;

const GemmU8S8Kernel& reference() { return gemm_u8s8_kernels().front(); }

std::vector<const GemmU8S8Kernel*> simd_kernels() {
  std::vector<const GemmU8S8Kernel*> out;
  for (const auto& k : gemm_u8s8_kernels())
    if (k.isa != Isa::scalar && cpu_supports(k.isa)) out.push_back(&k);
  return out;
}

enum class Out { s32, f32, u8, f32_u8 };  // f32_u8: both outputs

struct Case {
  int M, N, K;
  int lda_pad = 0, ldc_pad = 0;
  Out out = Out::s32;
  bool bias = false, residual = false, relu = false;
};

struct Problem {
  std::vector<uint8_t> a;
  std::vector<int8_t> b;
  std::vector<float> scale, bias, residual;
};

constexpr uint8_t kSentinel = 0xA5;

// Runs `kernel` on the problem; returns the raw output bytes (whole ldc-strided buffer,
// so writes past column N would show up as changed sentinels; f32_u8: the f32 buffer,
// then the u8 one).
// With `indirect`, A is read through its offsets (run_indirect) instead of p.a.
std::vector<uint8_t> run(const GemmU8S8Kernel& kernel, const Case& c, const Problem& p,
                         const IndirectA* indirect = nullptr) {
  PackedB packed;
  kernel.pack(p.b.data(), c.K, c.N, &packed);
  EXPECT_EQ(packed.isa, kernel.isa);
  const int ldc = c.N + c.ldc_pad;
  const size_t cells = static_cast<size_t>(c.M) * ldc;
  const size_t f32_bytes = c.out == Out::u8 ? 0 : cells * 4, u8_bytes = c.out == Out::u8 || c.out == Out::f32_u8 ? cells : 0;
  std::vector<uint8_t> out(f32_bytes + u8_bytes, kSentinel);
  // The u8 output's scale is 0.05. u8 alone: the contract wants scale, bias and
  // residual_scale in output units, the way the runtime folds them; with f32 too, the
  // kernel multiplies by out_u8_scale.
  const float to_out = c.out == Out::u8 ? 1.f / 0.05f : 1.f;
  std::vector<float> scale(p.scale), bias(c.N, 0.f);
  if (c.bias) bias = p.bias;
  for (float& v : scale) v *= to_out;
  for (float& v : bias) v *= to_out;
  Epilogue ep;
  ep.scale = scale.data();
  ep.bias = bias.data();
  if (c.residual) {
    ep.residual = p.residual.data();
    ep.ldr = c.N + 3;
    ep.residual_scale = 0.037f * to_out;
  }
  ep.relu = c.relu;
  ep.ldc = ldc;
  if (c.out == Out::s32) ep.out_s32 = reinterpret_cast<int32_t*>(out.data());
  if (c.out == Out::f32 || c.out == Out::f32_u8) ep.out_f32 = reinterpret_cast<float*>(out.data());
  if (c.out == Out::u8 || c.out == Out::f32_u8) ep.out_u8 = out.data() + f32_bytes;
  if (c.out == Out::f32_u8) ep.out_u8_scale = 1.f / 0.05f;
  if (indirect) {
    kernel.run_indirect(c.M, *indirect, packed, ep);
  } else {
    kernel.run(c.M, p.a.data(), c.K + c.lda_pad, packed, ep);
  }
  return out;
}

// p.a as IndirectA the way a convolution uses it: every (row, segment) run copied to
// its own place in a shuffled pool (offsets from the pool's start), and about one in
// six marked as padding instead (offset -1: read from the zero run; its bytes in p.a
// are zeroed to match).
struct Scattered {
  std::vector<uint8_t> pool, zeros;
  std::vector<int32_t> offsets;
  IndirectA a;
};
Scattered scatter(std::mt19937& rng, const Case& c, int segments, Problem* p) {
  Scattered sc;
  const int seg_k = c.K / segments, lda = c.K + c.lda_pad, runs = c.M * segments, slot = seg_k + 5;
  std::vector<int> order(runs);
  for (int i = 0; i < runs; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  sc.pool.assign(static_cast<size_t>(runs) * slot, 0xEE);
  sc.zeros.assign(seg_k, 0);
  sc.offsets.resize(runs);
  for (int i = 0; i < runs; ++i) {
    uint8_t* dense = p->a.data() + static_cast<size_t>(i / segments) * lda + static_cast<size_t>(i % segments) * seg_k;
    if (rng() % 6 == 0) {
      std::memset(dense, 0, seg_k);
      sc.offsets[i] = -1;
      continue;
    }
    sc.offsets[i] = order[i] * slot + 1;
    std::memcpy(sc.pool.data() + sc.offsets[i], dense, seg_k);
  }
  sc.a.base = sc.pool.data();
  sc.a.offsets = sc.offsets.data();
  sc.a.zeros = sc.zeros.data();
  sc.a.segments = segments;
  sc.a.seg_k = seg_k;
  return sc;
}

Problem make_problem(std::mt19937& rng, const Case& c, int magnitude = kCommonMaxWeight) {
  Problem p;
  p.a = random_u8(rng, static_cast<size_t>(c.M) * (c.K + c.lda_pad));
  p.b = random_s8(rng, static_cast<size_t>(c.K) * c.N, magnitude);
  // Scale so that y spans roughly [-10, 10]: u8 outputs cover the whole range and clamp.
  const float s = 10.f / (128.f * 40.f * static_cast<float>(c.K));
  p.scale = random_f32(rng, c.N, 0.2f * s, 2.f * s);
  p.bias = random_f32(rng, c.N, -3.f, 3.f);
  p.residual = random_f32(rng, static_cast<size_t>(c.M) * (c.N + 3), -200.f, 200.f);  // * 0.037: about y's range
  return p;
}

std::string describe(const GemmU8S8Kernel& k, const Case& c) {
  return std::string(k.name) + " M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) +
         " K=" + std::to_string(c.K) + " out=" + std::to_string(static_cast<int>(c.out)) +
         " bias=" + std::to_string(c.bias) + " residual=" + std::to_string(c.residual) +
         " relu=" + std::to_string(c.relu);
}

// Every SIMD kernel that takes the problem's weights (max_weight) against the reference.
void expect_same_as_reference(const Case& c, const Problem& p) {
  const std::vector<uint8_t> want = run(reference(), c, p);
  int largest = 0;
  for (int8_t w : p.b) largest = std::max(largest, std::abs(static_cast<int>(w)));
  for (const GemmU8S8Kernel* k : simd_kernels()) {
    if (largest > k->max_weight) continue;
    const std::vector<uint8_t> got = run(*k, c, p);
    ASSERT_EQ(got.size(), want.size());
    if (std::memcmp(got.data(), want.data(), got.size()) != 0) {
      size_t first = 0;
      while (got[first] == want[first]) ++first;
      FAIL() << describe(*k, c) << ": first differing byte " << first << " of " << got.size();
    }
  }
}

TEST(GemmU8S8, RegistryStartsWithTheScalarReference) {
  ASSERT_FALSE(gemm_u8s8_kernels().empty());
  EXPECT_EQ(reference().isa, Isa::scalar);
  EXPECT_LE(static_cast<int>(best_gemm_u8s8().isa), static_cast<int>(active_isa()));
  EXPECT_TRUE(cpu_supports(best_gemm_u8s8().isa));
}

TEST(GemmU8S8, ReferenceComputesTheDefinition) {
  // 2 x 3 = (2 x 5) * (5 x 3), checked by hand-written sums.
  const uint8_t a[10] = {1, 2, 3, 4, 5, 255, 0, 255, 0, 255};
  const int8_t b[15] = {1, -1, 32, 2, -2, 32, 3, -3, 32, 4, -4, 32, 5, -5, -32};
  PackedB packed;
  reference().pack(b, 5, 3, &packed);
  int32_t c[6];
  Epilogue ep;
  ep.out_s32 = c;
  ep.ldc = 3;
  reference().run(2, a, 5, packed, ep);
  EXPECT_EQ(c[0], 1 + 4 + 9 + 16 + 25);
  EXPECT_EQ(c[1], -(1 + 4 + 9 + 16 + 25));
  EXPECT_EQ(c[2], 32 * (1 + 2 + 3 + 4) - 32 * 5);
  EXPECT_EQ(c[3], 255 * (1 + 3 + 5));
  EXPECT_EQ(c[5], 255 * (32 + 32 - 32));
}

TEST(GemmU8S8, EpilogueRoundsHalfToEvenAndClamps) {
  // C = a (K=1, w=1); y = C * 0.5 - 1 with out scale 1: ties at every odd C.
  const int M = 1, N = 1, K = 1;
  const float scale = 0.5f, bias = -1.f;
  const int8_t w = 1;
  const struct { uint8_t a; uint8_t want; } cases[] = {
      {0, 0}, {1, 0}, {3, 0}, {5, 2}, {7, 2}, {9, 4}, {255, 126}};
  for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
    if (!cpu_supports(k.isa)) continue;
    PackedB packed;
    k.pack(&w, K, N, &packed);
    for (const auto& t : cases) {
      uint8_t out = 77;
      Epilogue ep;
      ep.scale = &scale;
      ep.bias = &bias;
      ep.out_u8 = &out;
      ep.ldc = 1;
      k.run(M, &t.a, 1, packed, ep);
      EXPECT_EQ(out, t.want) << k.name << " a=" << int(t.a);  // -0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4
    }
    // Clamp at 255 with a large scale.
    const uint8_t a = 255;
    const float large = 50.f, zero = 0.f;
    uint8_t out = 0;
    Epilogue ep;
    ep.scale = &large;
    ep.bias = &zero;
    ep.out_u8 = &out;
    ep.ldc = 1;
    k.run(1, &a, 1, packed, ep);
    EXPECT_EQ(out, 255) << k.name;
  }
}

TEST(GemmU8S8, ResidualsAddTheirScaledValues) {
  // C = 2 * 3 = 6; y = 6 * 0.5 + 1 = 4, plus the residual r * 2 with r = 0.75 or -2.5.
  const uint8_t a = 2;
  const int8_t w = 3;
  const float scale = 0.5f, bias = 1.f;
  for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
    if (!cpu_supports(k.isa)) continue;
    PackedB packed;
    k.pack(&w, 1, 1, &packed);
    for (const float r : {0.75f, -2.5f}) {
      float out = 0.f;
      Epilogue ep;
      ep.scale = &scale;
      ep.bias = &bias;
      ep.residual = &r;
      ep.residual_scale = 2.f;
      ep.ldr = 1;
      ep.out_f32 = &out;
      ep.ldc = 1;
      k.run(1, &a, 1, packed, ep);
      EXPECT_EQ(out, r > 0.f ? 5.5f : -1.f) << k.name;
      ep.relu = true;
      k.run(1, &a, 1, packed, ep);
      EXPECT_EQ(out, r > 0.f ? 5.5f : 0.f) << k.name;
    }
  }
}

TEST(GemmU8S8, BothOutputsHoldTheFloatAndItsRoundedByte) {
  // y = C * 0.5 - 1 for C = a: the f32 output is y (relu'd), the u8 one y * 3 rounded half
  // to even (1.5 -> 2, 4.5 -> 4) and clamped: the same byte with or without relu.
  const int8_t w = 1;
  const float scale = 0.5f, bias = -1.f;
  const struct { uint8_t a; float y; uint8_t q; } cases[] = {{0, -1.f, 0}, {3, 0.5f, 2}, {4, 1.f, 3}, {5, 1.5f, 4}, {200, 99.f, 255}};
  for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
    if (!cpu_supports(k.isa)) continue;
    PackedB packed;
    k.pack(&w, 1, 1, &packed);
    for (bool relu : {false, true}) {
      for (const auto& t : cases) {
        float f = 7.f;
        uint8_t q = 77;
        Epilogue ep;
        ep.scale = &scale;
        ep.bias = &bias;
        ep.relu = relu;
        ep.out_f32 = &f;
        ep.out_u8 = &q;
        ep.out_u8_scale = 3.f;
        ep.ldc = 1;
        k.run(1, &t.a, 1, packed, ep);
        EXPECT_EQ(f, relu && t.y < 0.f ? 0.f : t.y) << k.name << " a=" << int(t.a);
        EXPECT_EQ(q, t.q) << k.name << " a=" << int(t.a);
      }
    }
  }
}

TEST(GemmU8S8, EpilogueRoundsOnceInEachMultiplyAdd) {
  // C = 3, scale = fl(1/3), bias = -1: a separate multiply rounds 3 * fl(1/3) to 1 and
  // gives 0; the contract's fused multiply-add keeps 3 * fl(1/3) - 1 = 2^-24 exactly.
  const float third = 1.f / 3.f, minus_one = -1.f;
  ASSERT_EQ(3.f * third - 1.f, 0.f);
  const float want = std::fma(3.f, third, -1.f);
  ASSERT_NE(want, 0.f);
  const int N = 16;  // a whole SIMD vector as well as scalar tails
  const std::vector<int8_t> w(N, 1);
  const std::vector<float> scale(N, third), bias(N, minus_one);
  for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
    if (!cpu_supports(k.isa)) continue;
    PackedB packed;
    k.pack(w.data(), 1, N, &packed);
    const uint8_t a = 3;
    std::vector<float> out(N, 7.f);
    Epilogue ep;
    ep.scale = scale.data();
    ep.bias = bias.data();
    ep.out_f32 = out.data();
    ep.ldc = N;
    k.run(1, &a, 1, packed, ep);
    for (float v : out) EXPECT_EQ(v, want) << k.name;
  }
}

TEST(GemmU8S8, PackTakesWeightsUpToTheKernelsLimitOnly) {
  for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
    EXPECT_EQ(k.max_weight, k.isa == Isa::avx2 ? kCommonMaxWeight : kFullMaxWeight) << k.name;
    const int8_t top = static_cast<int8_t>(k.max_weight);
    const int8_t ok[4] = {0, top, static_cast<int8_t>(-top), 1}, beyond[4] = {0, top, static_cast<int8_t>(-top - 1), 1};
    PackedB packed;
    EXPECT_NO_THROW(k.pack(ok, 2, 2, &packed)) << k.name;
    EXPECT_THROW(k.pack(beyond, 2, 2, &packed), ArgumentError) << k.name;
    EXPECT_THROW(k.pack(ok, 0, 2, &packed), ShapeError) << k.name;
  }
}

TEST(GemmU8S8, RandomShapesWithTailsMatchReferenceBitForBit) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> dm(1, 29), dn(1, 83), dk(1, 150), dpad(0, 5);
  for (int i = 0; i < 150; ++i) {
    Case c{dm(rng), dn(rng), dk(rng), dpad(rng), dpad(rng)};
    const Problem p = make_problem(rng, c, i % 2 ? kFullMaxWeight : kCommonMaxWeight);  // odd: without AVX2
    for (Out out : {Out::s32, Out::f32, Out::u8, Out::f32_u8}) {
      c.out = out;
      c.bias = (i % 2) == 0;
      c.residual = (i % 3) != 2;
      c.relu = (i % 4) < 2;
      expect_same_as_reference(c, p);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(GemmU8S8, EveryTailCombinationOfSmallShapes) {
  std::mt19937 rng(99);
  for (int M : {1, 2, 5, 6, 7, 12, 13})
    for (int N : {1, 7, 8, 9, 15, 16, 17, 31, 33, 48, 63, 64, 65, 80})
      for (int K : {1, 2, 3, 4, 5, 7, 8, 67}) {
        Case c{M, N, K};
        c.out = (K % 2) ? (M % 2 ? Out::u8 : Out::f32_u8) : Out::s32;
        c.bias = c.relu = c.residual = (N % 2) == 1;
        expect_same_as_reference(c, make_problem(rng, c));
        if (HasFatalFailure()) return;
      }
}

TEST(GemmU8S8, ExtremeValuesStayExact) {
  // a = 255 and |w| at a kernel limit everywhere: 32 would overflow AVX2's int16 sum of two
  // vpmaddubsw results (4 products) if it were larger; 127 for the int32-summing kernels.
  for (int top : {kCommonMaxWeight, kFullMaxWeight})
  for (int K : {1, 3, 576, 1151, 4608}) {
    for (int sign : {1, -1, 0}) {
      Case c{7, 37, K};
      Problem p;
      p.a.assign(static_cast<size_t>(c.M) * c.K, 255);
      p.b.resize(static_cast<size_t>(c.K) * c.N);
      for (size_t i = 0; i < p.b.size(); ++i) p.b[i] = static_cast<int8_t>(sign != 0 ? sign * top : (i % 2 ? top : -top));
      p.scale.assign(c.N, 1.f / 4096.f);
      p.bias.assign(c.N, 0.f);
      expect_same_as_reference(c, p);
      // And the reference itself is exact: the sum of a row is 255 * w * K when w is constant.
      if (sign != 0) {
        const std::vector<uint8_t> raw = run(reference(), c, p);
        int32_t first;
        std::memcpy(&first, raw.data(), 4);
        EXPECT_EQ(first, 255 * top * sign * K);
      }
      c.out = Out::u8;
      c.relu = true;
      expect_same_as_reference(c, p);
    }
  }
}

TEST(GemmU8S8, ResNetShapesMatchReference) {
  std::mt19937 rng(7);
  const Case shapes[] = {{784, 16, 144}, {196, 32, 288}, {49, 64, 576}, {64, 256, 2304}};
  for (Case c : shapes) {
    const Problem p = make_problem(rng, c);
    expect_same_as_reference(c, p);
    c.out = Out::u8;
    c.bias = c.residual = c.relu = true;
    expect_same_as_reference(c, p);
    c.out = Out::f32;
    expect_same_as_reference(c, p);
    c.out = Out::f32_u8;
    expect_same_as_reference(c, p);
  }
}

TEST(GemmU8S8, RowRangesComposeLikeTheRuntimeCallsThem) {
  // The runtime splits M over threads by offsetting A and the outputs.
  std::mt19937 rng(5);
  const int M = 37, N = 40, K = 77;
  const Problem p = make_problem(rng, Case{M, N, K});
  for (const GemmU8S8Kernel* k : simd_kernels()) {
    PackedB packed;
    k->pack(p.b.data(), K, N, &packed);
    std::vector<int32_t> whole(M * N), parts(M * N);
    Epilogue ep;
    ep.scale = p.scale.data();
    ep.ldc = N;
    ep.out_s32 = whole.data();
    k->run(M, p.a.data(), K, packed, ep);
    for (int m0 : {0, 11, 24}) {
      const int rows = m0 == 24 ? M - 24 : (m0 == 0 ? 11 : 13);
      ep.out_s32 = parts.data() + m0 * N;
      k->run(rows, p.a.data() + m0 * K, K, packed, ep);
    }
    EXPECT_EQ(whole, parts) << k->name;
  }
}

// run_indirect of every kernel (the reference's too) equals the reference's dense run on
// the same A: convolution-like shapes (segments = taps, seg_k = channels) and random ones.
TEST(GemmU8S8, IndirectRowsMatchTheDenseReferenceBitForBit) {
  std::mt19937 rng(77);
  struct Shape {
    int M, N, segments, seg_k;
  };
  std::vector<Shape> shapes = {{32, 16, 9, 16}, {32, 32, 9, 32}, {17, 64, 9, 64}, {13, 10, 1, 64},
                               {7, 70, 4, 12},  {1, 5, 2, 4},    {29, 33, 9, 8},  {12, 48, 25, 4}};
  std::uniform_int_distribution<int> dm(1, 29), dn(1, 83), dseg(1, 10), dk4(1, 12);
  for (int i = 0; i < 40; ++i) shapes.push_back({dm(rng), dn(rng), dseg(rng), 4 * dk4(rng)});
  int variant = 0;
  for (const Shape& sh : shapes) {
    Case c{sh.M, sh.N, sh.segments * sh.seg_k, variant % 3};
    Problem p = make_problem(rng, c);
    const Scattered sc = scatter(rng, c, sh.segments, &p);
    for (Out out : {Out::s32, Out::u8, Out::f32, Out::f32_u8}) {
      c.out = out;
      c.bias = variant % 2 == 0;
      c.residual = variant % 3 != 2;
      c.relu = variant % 4 < 2;
      ++variant;
      const std::vector<uint8_t> want = run(reference(), c, p);
      for (const GemmU8S8Kernel& k : gemm_u8s8_kernels()) {
        if (!cpu_supports(k.isa)) continue;
        ASSERT_TRUE(run(k, c, p, &sc.a) == want) << describe(k, c) << " segments=" << sh.segments;
      }
    }
  }
}

// Large-tile boundaries (the AMX kernel works in 32 x 32 blocks of 16 x 16 tiles and 64 k
// chunks; the other tests keep M < 30): M and N around multiples of 16 and 32 over several
// row blocks, K around multiples of 64, dense and indirect rows (runs that straddle and
// fill 64-byte chunks).
TEST(GemmU8S8, BlockAndChunkBoundariesMatchReference) {
  std::mt19937 rng(2024);
  int variant = 0;
  for (int M : {15, 16, 17, 31, 32, 33, 48, 49, 65, 97})
    for (int N : {15, 16, 17, 32, 33, 48, 65})
      for (int K : {60, 63, 64, 65, 127, 128, 129, 200}) {
        Case c{M, N, K, variant % 3, variant % 2};
        c.out = static_cast<Out>(variant % 4);
        c.bias = c.residual = c.relu = (variant % 5) != 0;
        ++variant;
        expect_same_as_reference(c, make_problem(rng, c));
        if (HasFatalFailure()) return;
      }
  for (int M : {16, 33, 70})
    for (int seg_k : {4, 12, 16, 20, 32, 36, 64, 128, 132})
      for (int segments : {1, 3, 9}) {
        Case c{M, 40, segments * seg_k, variant % 2};
        c.out = static_cast<Out>(variant % 4);
        c.bias = c.residual = c.relu = (variant % 3) != 0;
        ++variant;
        Problem p = make_problem(rng, c);
        const Scattered sc = scatter(rng, c, segments, &p);
        const std::vector<uint8_t> want = run(reference(), c, p);
        for (const GemmU8S8Kernel* k : simd_kernels())
          ASSERT_TRUE(run(*k, c, p, &sc.a) == want) << describe(*k, c) << " segments=" << segments;
      }
}

}  // namespace
}  // namespace ttq::kernels
