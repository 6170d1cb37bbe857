// Internal: register-blocked u8 x s8 microkernels on 256-bit vectors, shared by the
// AVX2 and AVX-VNNI files; the only difference is the `Dot` step (4 u8*s8 products per
// int32 lane added to an accumulator). Include only from a file built with at least
// -mavx2 -mfma; everything here has internal linkage so two files built with different
// flags never share one out-of-line copy.
//
// Tile: MR rows of A x NV panels of 8 columns. Per group of 4 k: NV loads of B,
// MR broadcasts of 4 A bytes, MR*NV dot steps into MR*NV int32 accumulators.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "kernels/epilogue_scalar.h"
#include "kernels/gemm_u8s8_impl.h"

namespace ttq::kernels {
namespace {

inline int32_t load_a4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// Epilogue of 8 consecutive columns; same float operations as epilogue_element.
inline void epilogue_ymm(const Epilogue& ep, int row, int col, __m256i c) {
  const std::ptrdiff_t out_at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_s32 != nullptr) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(ep.out_s32 + out_at), c);
    return;
  }
  __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(c), _mm256_loadu_ps(ep.scale + col));
  if (ep.bias != nullptr) y = _mm256_add_ps(y, _mm256_loadu_ps(ep.bias + col));
  if (ep.residual_u8 != nullptr) {
    const __m128i r8 = _mm_loadl_epi64(
        reinterpret_cast<const __m128i*>(ep.residual_u8 + static_cast<std::ptrdiff_t>(row) * ep.ldr + col));
    const __m256 r = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r8));
    y = _mm256_add_ps(y, _mm256_mul_ps(r, _mm256_set1_ps(ep.residual_scale)));
  }
  const __m256 zero = _mm256_setzero_ps();
  if (ep.relu) y = _mm256_max_ps(y, zero);
  if (ep.out_f32 != nullptr) {
    _mm256_storeu_ps(ep.out_f32 + out_at, y);
    return;
  }
  __m256 t = _mm256_mul_ps(y, _mm256_set1_ps(ep.out_inv_scale));
  t = _mm256_min_ps(_mm256_max_ps(t, zero), _mm256_set1_ps(255.f));
  const __m256i q = _mm256_cvtps_epi32(t);  // MXCSR default: round half to even
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(ep.out_u8 + out_at), _mm_packus_epi16(w, w));
}

// The K loop alone, accumulators stored to `c` (MR x NV*8 int32) at the end. Kept apart
// from the epilogue, and with the K % 4 tail run as a second pass of the same loop (over a
// small zero-padded copy of the rows' last bytes), so that GCC keeps all accumulators in
// registers; a separate tail block made it spill them to the stack on every iteration.
template <class Dot, int MR, int NV>
__attribute__((noinline)) void ymm_accumulate(const uint8_t* a, std::ptrdiff_t lda, int K, const int8_t* bp,
                                              std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = detail::kYmmPanel;
  const int k_full = K / 4, k_rest = K % 4;
  __m256i acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_setzero_si256();

  alignas(32) uint8_t tail[MR * 4] = {};
  const uint8_t* ap = a;
  std::ptrdiff_t a_stride = lda;
  const int8_t* bq = bp;
  int groups = k_full;
  for (int pass = 0; pass < 2; ++pass) {
    for (int g = 0; g < groups; ++g) {
      __m256i bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bq + v * panel_bytes + g * W * 4));
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) {
        const __m256i av = _mm256_set1_epi32(load_a4(ap + m * a_stride + 4 * g));
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[m][v] = Dot::step(acc[m][v], av, bv[v]);
      }
    }
    if (pass == 1 || k_rest == 0) break;
    for (int m = 0; m < MR; ++m)
      for (int i = 0; i < k_rest; ++i) tail[m * 4 + i] = a[m * lda + 4 * k_full + i];
    ap = tail;
    a_stride = 4;
    bq = bp + static_cast<std::ptrdiff_t>(k_full) * W * 4;
    groups = 1;
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(c + (m * NV + v) * W), acc[m][v]);
}

// The same K loop over IndirectA rows: per segment, MR run pointers and seg_groups groups of 4.
template <class Dot, int MR, int NV>
__attribute__((noinline)) void ymm_accumulate_rows(const IndirectA& a, std::ptrdiff_t m0, int seg_groups,
                                                   const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = detail::kYmmPanel;
  __m256i acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_setzero_si256();
  const int8_t* bq = bp;
  for (int s = 0; s < a.segments; ++s, bq += static_cast<std::ptrdiff_t>(seg_groups) * W * 4) {
    const uint8_t* p[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) p[m] = a.run(m0 + m, s);
    for (int g = 0; g < seg_groups; ++g) {
      __m256i bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bq + v * panel_bytes + g * W * 4));
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) {
        const __m256i av = _mm256_set1_epi32(load_a4(p[m] + 4 * g));
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[m][v] = Dot::step(acc[m][v], av, bv[v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(c + (m * NV + v) * W), acc[m][v]);
}

template <class Dot, int MR, int NV>
void accumulate(const detail::DenseRows& src, int m0, int K, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  ymm_accumulate<Dot, MR, NV>(src.a + m0 * src.lda, src.lda, K, bp, panel_bytes, c);
}
template <class Dot, int MR, int NV>
void accumulate(const detail::IndirectRows& src, int m0, int, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  ymm_accumulate_rows<Dot, MR, NV>(src.a, m0, src.a.seg_k / 4, bp, panel_bytes, c);
}

template <class Dot, int MR, int NV, class Rows>
void ymm_tile(int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kYmmPanel;
  const int K = b.K, N = b.N, k4 = (K + 3) / 4;
  const std::ptrdiff_t panel_bytes = static_cast<std::ptrdiff_t>(k4) * W * 4;
  alignas(32) int32_t c[MR * NV * W];
  accumulate<Dot, MR, NV>(rows, m0, K, b.data.data() + (n0 / W) * panel_bytes, panel_bytes, c);
  for (int m = 0; m < MR; ++m) {
    for (int v = 0; v < NV; ++v) {
      const int col = n0 + v * W;
      const int32_t* cv = c + (m * NV + v) * W;
      if (col + W <= N) {
        epilogue_ymm(ep, m0 + m, col, _mm256_load_si256(reinterpret_cast<const __m256i*>(cv)));
      } else {
        for (int j = 0; col + j < N; ++j) epilogue_element(ep, m0 + m, col + j, cv[j]);
      }
    }
  }
}

// Runtime row count -> compile-time tile (M tails).
template <class Dot, int MR, int NV, class Rows>
void ymm_rows(int count, int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  if (count == MR) {
    ymm_tile<Dot, MR, NV>(m0, n0, rows, b, ep);
  } else if constexpr (MR > 1) {
    ymm_rows<Dot, MR - 1, NV>(count, m0, n0, rows, b, ep);
  }
}

// Tiles of two panels (16 columns) x kMr2 rows, or one panel x kMr1 rows; the accumulators,
// B vectors, the broadcast and the Dot step's temporaries must fit the 16 ymm registers
// (VNNI: 6x2 and 12x1; AVX2 needs a register for the ones and a temporary: 5x2 and 10x1).
template <class Dot, int kMr2, int kMr1, class Rows>
void ymm_gemm(int M, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kYmmPanel;
  const int N = b.N;
  for (int n0 = 0; n0 < N; n0 += 2 * W) {
    if (N - n0 > W) {
      for (int m0 = 0; m0 < M; m0 += kMr2) ymm_rows<Dot, kMr2, 2>(M - m0 < kMr2 ? M - m0 : kMr2, m0, n0, rows, b, ep);
    } else {
      for (int m0 = 0; m0 < M; m0 += kMr1) ymm_rows<Dot, kMr1, 1>(M - m0 < kMr1 ? M - m0 : kMr1, m0, n0, rows, b, ep);
    }
  }
}

}  // namespace
}  // namespace ttq::kernels
