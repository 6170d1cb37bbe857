// AVX2 + FMA fp32 GEMM: 6 rows x 16 columns (12 ymm accumulators), broadcast A, FMA.
// Built with -mavx2 -mfma.
#include <immintrin.h>

#include "kernels/gemm_f32_impl.h"

namespace ttq::kernels {
namespace {

inline void epilogue_f32_ymm(const EpilogueF32& ep, int row, int col, __m256 c) {
  __m256 y = ep.scale != nullptr ? _mm256_mul_ps(c, _mm256_loadu_ps(ep.scale + col)) : c;
  if (ep.bias != nullptr) y = _mm256_add_ps(y, _mm256_loadu_ps(ep.bias + col));
  const __m256 zero = _mm256_setzero_ps();
  if (ep.relu) y = _mm256_max_ps(y, zero);
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_f32 != nullptr) {
    _mm256_storeu_ps(ep.out_f32 + at, y);
    return;
  }
  __m256 t = _mm256_mul_ps(y, _mm256_set1_ps(ep.out_inv_scale));
  t = _mm256_min_ps(_mm256_max_ps(t, zero), _mm256_set1_ps(255.f));
  const __m256i q = _mm256_cvtps_epi32(t);
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(ep.out_u8 + at), _mm_packus_epi16(w, w));
}

template <int MR, int NV>
void f32_tile(int m0, int n0, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  constexpr int P = detail::kF32Panel;
  const int K = b.K, N = b.N;
  const float* bp = b.data.data() + static_cast<std::ptrdiff_t>(n0 / P) * K * P;
  const float* ap[MR];
  for (int m = 0; m < MR; ++m) ap[m] = a + static_cast<std::ptrdiff_t>(m0 + m) * lda;
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(bp + k * P + v * 8);
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const __m256 av = _mm256_broadcast_ss(ap[m] + k);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_fmadd_ps(av, bv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const int col = n0 + v * 8;
      if (col + 8 <= N) {
        epilogue_f32_ymm(ep, m0 + m, col, acc[m][v]);
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, acc[m][v]);
        for (int j = 0; col + j < N; ++j) epilogue_f32_element(ep, m0 + m, col + j, tmp[j]);
      }
    }
  }
}

template <int MR, int NV>
void f32_rows(int rows, int m0, int n0, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  if (rows == MR) {
    f32_tile<MR, NV>(m0, n0, a, lda, b, ep);
  } else if constexpr (MR > 1) {
    f32_rows<MR - 1, NV>(rows, m0, n0, a, lda, b, ep);
  }
}

}  // namespace

namespace detail {
void run_f32_avx2(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  constexpr int kMr = 6;
  for (int n0 = 0; n0 < b.N; n0 += kF32Panel) {
    const bool two = b.N - n0 > 8;
    for (int m0 = 0; m0 < M; m0 += kMr) {
      const int rows = M - m0 < kMr ? M - m0 : kMr;
      if (two) {
        f32_rows<kMr, 2>(rows, m0, n0, a, lda, b, ep);
      } else {
        f32_rows<kMr, 1>(rows, m0, n0, a, lda, b, ep);
      }
    }
  }
}
}  // namespace detail
}  // namespace ttq::kernels
