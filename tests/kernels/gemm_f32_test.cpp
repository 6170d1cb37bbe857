// fp32 kernels against the scalar reference. SIMD kernels use FMA and so may differ by
// rounding: tolerance = 1e-6 * sum_k |a*b| per element (plus a tiny absolute floor);
// u8 outputs may differ by at most 1.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "gemm_test_util.h"
#include "kernels/gemm_f32.h"

namespace ttq::kernels {
namespace {

using testing::random_f32;

struct F32Case {
  int M, N, K, lda_pad, ldc_pad;
  bool scale, bias, relu, u8;
};

void check_case(std::mt19937& rng, const F32Case& c) {
  const int lda = c.K + c.lda_pad, ldc = c.N + c.ldc_pad;
  const auto a = random_f32(rng, static_cast<size_t>(c.M) * lda, -1.f, 1.f);
  const auto b = random_f32(rng, static_cast<size_t>(c.K) * c.N, -1.f, 1.f);
  const auto scale = random_f32(rng, c.N, 0.5f, 2.f);
  const auto bias = random_f32(rng, c.N, -1.f, 1.f);
  // Bound of the rounding differences: the sum of |products| per element.
  std::vector<double> bound(static_cast<size_t>(c.M) * c.N, 0.0);
  for (int m = 0; m < c.M; ++m)
    for (int n = 0; n < c.N; ++n)
      for (int k = 0; k < c.K; ++k)
        bound[m * c.N + n] += std::fabs(double(a[m * lda + k]) * b[k * c.N + n]) * (c.scale ? scale[n] : 1.f);

  auto run = [&](const GemmF32Kernel& k, std::vector<float>* f, std::vector<uint8_t>* q) {
    PackedBF32 packed;
    k.pack(b.data(), c.K, c.N, &packed);
    EpilogueF32 ep;
    ep.scale = c.scale ? scale.data() : nullptr;
    ep.bias = c.bias ? bias.data() : nullptr;
    ep.relu = c.relu;
    ep.ldc = ldc;
    f->assign(static_cast<size_t>(c.M) * ldc, -7.f);
    q->assign(static_cast<size_t>(c.M) * ldc, 7);
    if (c.u8) {
      ep.out_u8 = q->data();
      ep.out_inv_scale = 40.f;
    } else {
      ep.out_f32 = f->data();
    }
    k.run(c.M, a.data(), lda, packed, ep);
  };
  std::vector<float> want_f, got_f;
  std::vector<uint8_t> want_q, got_q;
  const auto& kernels = gemm_f32_kernels();
  run(kernels.front(), &want_f, &want_q);
  for (const auto& k : kernels) {
    if (k.isa == Isa::scalar || !cpu_supports(k.isa)) continue;
    run(k, &got_f, &got_q);
    for (int m = 0; m < c.M; ++m) {
      for (int n = 0; n < ldc; ++n) {
        const size_t at = static_cast<size_t>(m) * ldc + n;
        if (n >= c.N) {  // padding columns untouched
          ASSERT_EQ(got_f[at], -7.f) << k.name;
          ASSERT_EQ(got_q[at], 7) << k.name;
          continue;
        }
        const double tol = 1e-6 * bound[m * c.N + n] + 1e-6;
        ASSERT_NEAR(got_f[at], want_f[at], tol) << k.name << " M=" << c.M << " N=" << c.N << " K=" << c.K;
        ASSERT_LE(std::abs(int(got_q[at]) - int(want_q[at])), 1) << k.name;
      }
    }
  }
}

TEST(GemmF32, RegistryStartsWithTheScalarReference) {
  EXPECT_EQ(gemm_f32_kernels().front().isa, Isa::scalar);
  EXPECT_TRUE(cpu_supports(best_gemm_f32().isa));
  EXPECT_LE(static_cast<int>(best_gemm_f32().isa), static_cast<int>(active_isa()));
  // The highest level allowed here wins (AVX-512 where the CPU has it and TTQ_ISA allows).
  for (const auto& k : gemm_f32_kernels()) {
    if (cpu_supports(k.isa) && k.isa <= active_isa()) {
      EXPECT_GE(static_cast<int>(best_gemm_f32().isa), static_cast<int>(k.isa)) << k.name;
    }
  }
}

TEST(GemmF32, ReferenceComputesTheDefinition) {
  const float a[4] = {1.f, 2.f, -1.f, 0.5f};  // 2 x 2
  const float b[4] = {3.f, -1.f, 4.f, 2.f};   // 2 x 2
  const float scale[2] = {2.f, 1.f}, bias[2] = {0.5f, -10.f};
  float c[4];
  PackedBF32 packed;
  gemm_f32_kernels().front().pack(b, 2, 2, &packed);
  EpilogueF32 ep;
  ep.scale = scale;
  ep.bias = bias;
  ep.relu = true;
  ep.out_f32 = c;
  ep.ldc = 2;
  gemm_f32_kernels().front().run(2, a, 2, packed, ep);
  EXPECT_FLOAT_EQ(c[0], (1 * 3 + 2 * 4) * 2.f + 0.5f);
  EXPECT_FLOAT_EQ(c[1], 0.f);  // (-1 + 4) - 10 < 0 -> relu
  EXPECT_FLOAT_EQ(c[2], (-3 + 2) * 2.f + 0.5f < 0 ? 0.f : (-3 + 2) * 2.f + 0.5f);
  EXPECT_FLOAT_EQ(c[3], 0.f);
}

TEST(GemmF32, RandomShapesWithTailsMatchReference) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> dm(1, 20), dn(1, 70), dk(1, 100), dpad(0, 3);
  for (int i = 0; i < 120; ++i) {
    F32Case c{dm(rng), dn(rng), dk(rng), dpad(rng), dpad(rng), i % 2 == 0, i % 3 != 0, i % 4 < 2, i % 5 == 0};
    check_case(rng, c);
    if (HasFatalFailure()) return;
  }
}

TEST(GemmF32, FirstConvAndLastFcShapes) {
  std::mt19937 rng(3);
  check_case(rng, F32Case{784, 16, 9, 0, 0, true, true, true, true});     // 3x3 conv, 1 channel, 28x28
  check_case(rng, F32Case{1024, 16, 27, 0, 0, true, true, true, false});  // 3x3 conv, 3 channels, 32x32
  check_case(rng, F32Case{8, 10, 512, 0, 0, false, true, false, false});  // FC to 10 classes
  check_case(rng, F32Case{192, 64, 147, 0, 0, true, true, true, true});   // ImageNet stem 7x7x3 task
  check_case(rng, F32Case{190, 64, 147, 1, 2, true, true, true, false});  // ... its last, partial task
  check_case(rng, F32Case{64, 1000, 512, 0, 0, false, true, false, false});  // FC to 1000 classes
  check_case(rng, F32Case{1, 1000, 512, 0, 0, true, false, false, true});    // ... batch 1, u8
}

// Every tile's tails: M around the tile heights (4, 6, 8, 12) and their multiples, N
// around the 16-column panels and the 32/48/64-column blocks (masked last vector, fewer
// panels in the last block), K = 1, the stem's 147 and 300 (N < 16: AVX-512's dot-product
// form, 4 x 5 tiles, a masked last 16 k); every epilogue (null scale/bias, relu, f32 or
// u8) over the grid.
TEST(GemmF32, TileTailsMatchReference) {
  std::mt19937 rng(7);
  int i = 0;
  for (int M : {1, 3, 5, 6, 7, 11, 12, 13, 17, 25, 49})
    for (int N : {1, 4, 6, 10, 15, 16, 17, 31, 33, 48, 63, 64, 65, 80, 100})
      for (int K : {1, 147, 300}) {
        check_case(rng, F32Case{M, N, K, i % 3, (i / 3) % 2, i % 2 == 0, i % 4 < 2, i % 3 != 1, i % 5 < 2});
        ++i;
        if (HasFatalFailure()) return;
      }
}

// conv_direct reads the taps in place and skips the padding; it must give each kernel's
// own `run` on the im2col rows bit for bit (same sums in the same order), over row
// ranges that start and end anywhere, with and without the u8 output, and leave the
// columns past N alone.
TEST(GemmF32, DirectConvEqualsRunOnIm2colRows) {
  std::mt19937 rng(11);
  struct Geo {
    int H, W, C, kh, kw, s, p;
  };
  const Geo geos[] = {{28, 28, 1, 3, 3, 1, 1}, {7, 5, 3, 3, 3, 2, 1}, {6, 9, 1, 5, 5, 1, 2}, {4, 4, 2, 3, 3, 1, 0},
                      {3, 8, 3, 1, 1, 1, 0},   {5, 5, 1, 3, 3, 2, 2}};
  for (const auto& k : gemm_f32_kernels()) {
    if (!cpu_supports(k.isa)) continue;
    for (const Geo& geo : geos) {
      for (int N : {5, 16, 20, 40, 64, 80}) {
        for (bool u8 : {false, true}) {
          const ConvGeometry g{geo.H, geo.W, geo.C, geo.kh, geo.kw, geo.s, geo.s, geo.p, geo.p};
          ASSERT_LE(g.k(), kMaxDirectConvK);
          const int M = g.rows(), K = g.k(), ldc = N + 3;
          const auto image = random_f32(rng, static_cast<size_t>(geo.H) * geo.W * geo.C, -1.f, 1.f);
          const auto w = random_f32(rng, static_cast<size_t>(K) * N, -1.f, 1.f);
          const auto scale = random_f32(rng, N, 0.5f, 2.f), bias = random_f32(rng, N, -1.f, 1.f);
          std::vector<float> rows(static_cast<size_t>(M) * K);
          im2col_f32_nhwc(image.data(), g, rows.data(), K);
          PackedBF32 packed;
          k.pack(w.data(), K, N, &packed);
          auto epilogue = [&](std::vector<float>* f, std::vector<uint8_t>* q, int m0) {
            EpilogueF32 ep;
            ep.scale = scale.data();
            ep.bias = bias.data();
            ep.relu = N % 2 == 0;
            ep.ldc = ldc;
            if (u8) {
              ep.out_u8 = q->data() + static_cast<size_t>(m0) * ldc;
              ep.out_inv_scale = 60.f;
            } else {
              ep.out_f32 = f->data() + static_cast<size_t>(m0) * ldc;
            }
            return ep;
          };
          std::vector<float> want_f(static_cast<size_t>(M) * ldc, -7.f), got_f = want_f;
          std::vector<uint8_t> want_q(static_cast<size_t>(M) * ldc, 7), got_q = want_q;
          k.run(M, rows.data(), K, packed, epilogue(&want_f, &want_q, 0));
          // Three row ranges of uneven sizes.
          const int cut1 = M / 3, cut2 = M - M / 5;
          for (auto [r0, r1] : {std::pair{0, cut1}, std::pair{cut1, cut2}, std::pair{cut2, M}}) {
            if (r1 > r0) k.conv_direct(image.data(), g, r0, r1 - r0, packed, epilogue(&got_f, &got_q, r0));
          }
          const std::string what = std::string(k.name) + " " + std::to_string(geo.H) + "x" + std::to_string(geo.W) +
                                   "x" + std::to_string(geo.C) + " k" + std::to_string(geo.kh) + " s" +
                                   std::to_string(geo.s) + " p" + std::to_string(geo.p) + " N" + std::to_string(N);
          ASSERT_EQ(got_q, want_q) << what;
          ASSERT_EQ(0, std::memcmp(got_f.data(), want_f.data(), want_f.size() * sizeof(float))) << what;
        }
      }
    }
  }
}

TEST(GemmF32, PackRejectsEmptyShapes) {
  const float b[1] = {1.f};
  for (const auto& k : gemm_f32_kernels()) {
    PackedBF32 packed;
    EXPECT_THROW(k.pack(b, 1, 0, &packed), ShapeError) << k.name;
  }
}

}  // namespace
}  // namespace ttq::kernels
