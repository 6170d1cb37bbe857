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
// Last partial group of K: read only the bytes that exist (the packed B is zero there).
inline int32_t load_a_tail(const uint8_t* p, int bytes) {
  uint8_t tmp[4] = {0, 0, 0, 0};
  for (int i = 0; i < bytes; ++i) tmp[i] = p[i];
  return load_a4(tmp);
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

template <class Dot, int MR, int NV>
void ymm_tile(int m0, int n0, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kYmmPanel;
  const int K = b.K, N = b.N, k4 = (K + 3) / 4, k_full = K / 4, k_rest = K % 4;
  const std::ptrdiff_t panel_bytes = static_cast<std::ptrdiff_t>(k4) * W * 4;
  const int8_t* bp = b.data.data() + (n0 / W) * panel_bytes;
  const uint8_t* ap[MR];
  for (int m = 0; m < MR; ++m) ap[m] = a + static_cast<std::ptrdiff_t>(m0 + m) * lda;

  __m256i acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_setzero_si256();

  for (int g = 0; g < k_full; ++g) {
    __m256i bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + v * panel_bytes + g * W * 4));
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) {
      const __m256i av = _mm256_set1_epi32(load_a4(ap[m] + 4 * g));
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[m][v] = Dot::step(acc[m][v], av, bv[v]);
    }
  }
  if (k_rest != 0) {
    const int g = k_full;
    __m256i bv[NV];
    for (int v = 0; v < NV; ++v)
      bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + v * panel_bytes + g * W * 4));
    for (int m = 0; m < MR; ++m) {
      const __m256i av = _mm256_set1_epi32(load_a_tail(ap[m] + 4 * g, k_rest));
      for (int v = 0; v < NV; ++v) acc[m][v] = Dot::step(acc[m][v], av, bv[v]);
    }
  }

  for (int m = 0; m < MR; ++m) {
    for (int v = 0; v < NV; ++v) {
      const int col = n0 + v * W;
      if (col + W <= N) {
        epilogue_ymm(ep, m0 + m, col, acc[m][v]);
      } else {
        alignas(32) int32_t tmp[W];
        _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc[m][v]);
        for (int j = 0; col + j < N; ++j) epilogue_element(ep, m0 + m, col + j, tmp[j]);
      }
    }
  }
}

// Runtime row count -> compile-time tile (M tails).
template <class Dot, int MR, int NV>
void ymm_rows(int rows, int m0, int n0, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  if (rows == MR) {
    ymm_tile<Dot, MR, NV>(m0, n0, a, lda, b, ep);
  } else if constexpr (MR > 1) {
    ymm_rows<Dot, MR - 1, NV>(rows, m0, n0, a, lda, b, ep);
  }
}

// Two panels (16 columns) x 6 rows = 12 accumulators, or one panel x 12 rows, in 16 ymm registers.
template <class Dot>
void ymm_gemm(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kYmmPanel;
  constexpr int kMr2 = 6, kMr1 = 12;
  const int N = b.N;
  for (int n0 = 0; n0 < N; n0 += 2 * W) {
    if (N - n0 > W) {
      for (int m0 = 0; m0 < M; m0 += kMr2) {
        const int rows = M - m0 < kMr2 ? M - m0 : kMr2;
        ymm_rows<Dot, kMr2, 2>(rows, m0, n0, a, lda, b, ep);
      }
    } else {
      for (int m0 = 0; m0 < M; m0 += kMr1) {
        const int rows = M - m0 < kMr1 ? M - m0 : kMr1;
        ymm_rows<Dot, kMr1, 1>(rows, m0, n0, a, lda, b, ep);
      }
    }
  }
}

}  // namespace
}  // namespace ttq::kernels
