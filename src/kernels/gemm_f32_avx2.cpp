// AVX2 + FMA fp32 GEMM: 6 rows x 16 columns (12 ymm accumulators), broadcast A, FMA.
// Built with -mavx2 -mfma.
#include <immintrin.h>

#include <cassert>

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

// 8 columns from col of one row, or the N - col < 8 columns left.
inline void epilogue_f32_cols(const EpilogueF32& ep, int row, int col, int N, __m256 c) {
  if (col + 8 <= N) {
    epilogue_f32_ymm(ep, row, col, c);
    return;
  }
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, c);
  for (int j = 0; col + j < N; ++j) epilogue_f32_element(ep, row, col + j, tmp[j]);
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
    for (int v = 0; v < NV; ++v) epilogue_f32_cols(ep, m0 + m, n0 + v * 8, N, acc[m][v]);
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

// PX output pixels x 16 columns (one panel): per tap one broadcast per pixel and two
// FMAs each, in run_f32_avx2's k order (so the same sums bit for bit). Pixel p's tap
// (0, 0) is at px[p] and its kernel rows are row_stride apart (W * C in the image, kw * C
// in a zero-padded patch; a patch's zero taps add +-0 to sums that start at +0: the same
// as skipping them). KH, KW, C: the geometry when known at compile time (every tap
// unrolled), else 0 and read from g.
template <int KH, int KW, int C, int PX>
void conv_pixels(const ConvGeometry& g, const float* const (&px)[PX], std::ptrdiff_t row_stride, int m,
                 const float* bp, int n0, int N, const EpilogueF32& ep) {
  constexpr int P = kF32Panel;
  const int kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, cs = C ? C : g.C;
  __m256 acc[PX][2];
#pragma GCC unroll 8
  for (int p = 0; p < PX; ++p) acc[p][0] = acc[p][1] = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int ky = 0; ky < kh; ++ky)
#pragma GCC unroll 8
    for (int kx = 0; kx < kw; ++kx)
#pragma GCC unroll 4
      for (int c = 0; c < cs; ++c) {
        const int k = (ky * kw + kx) * cs + c;
        const __m256 w0 = _mm256_loadu_ps(bp + k * P), w1 = _mm256_loadu_ps(bp + k * P + 8);
#pragma GCC unroll 8
        for (int p = 0; p < PX; ++p) {
          const __m256 a = _mm256_broadcast_ss(px[p] + ky * row_stride + kx * cs + c);
          acc[p][0] = _mm256_fmadd_ps(a, w0, acc[p][0]);
          acc[p][1] = _mm256_fmadd_ps(a, w1, acc[p][1]);
        }
      }
#pragma GCC unroll 8
  for (int p = 0; p < PX; ++p)
    for (int v = 0; v < 2 && n0 + v * 8 < N; ++v) epilogue_f32_cols(ep, m + p, n0 + v * 8, N, acc[p][v]);
}

// Blocks of kPx pixels (12 accumulators, as the GEMM tile: a lone pixel's two FMA chains
// would wait on the FMA latency) where kPx pixels of one output row all have every tap
// inside the image; single pixels elsewhere, border ones through a zero-padded patch of
// their taps.
constexpr int kPx = 6;

template <int KH, int KW, int C>
void conv_direct_avx2(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                      const EpilogueF32& ep) {
  constexpr int P = kF32Panel;
  const int K = b.K, N = b.N, ow = g.out_w();
  const int kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, cs = C ? C : g.C;
  const std::ptrdiff_t row_stride = static_cast<std::ptrdiff_t>(g.W) * cs;
  for (int m = 0; m < count;) {
    const ConvTaps t = conv_taps(g, r0 + m);
    const int ox = (r0 + m) % ow;
    const bool inside = t.ky_lo == 0 && t.ky_hi == kh && t.kx_lo == 0 && t.kx_hi == kw;
    const bool block =
        inside && m + kPx <= count && ox + kPx <= ow && conv_taps(g, r0 + m + kPx - 1).kx_hi == kw;
    // Tap (0, 0) of pixel m: in the image, or in a zero-padded patch of its taps.
    alignas(32) float patch[kMaxDirectConvK];
    const float* px0 = inside ? image + (static_cast<std::ptrdiff_t>(t.iy0) * g.W + t.ix0) * cs : patch;
    if (!inside) {
      for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx)
          for (int c = 0; c < cs; ++c) {
            const bool in = ky >= t.ky_lo && ky < t.ky_hi && kx >= t.kx_lo && kx < t.kx_hi;
            patch[(ky * kw + kx) * cs + c] =
                in ? image[(static_cast<std::ptrdiff_t>(t.iy0 + ky) * g.W + t.ix0 + kx) * cs + c] : 0.f;
          }
    }
    for (int n0 = 0; n0 < N; n0 += P) {
      const float* bp = b.data.data() + static_cast<std::ptrdiff_t>(n0 / P) * K * P;
      if (block) {
        const float* px[kPx];
        for (int p = 0; p < kPx; ++p) px[p] = px0 + static_cast<std::ptrdiff_t>(p) * g.sw * cs;
        conv_pixels<KH, KW, C, kPx>(g, px, row_stride, m, bp, n0, N, ep);
      } else {
        const float* const px[1] = {px0};
        conv_pixels<KH, KW, C, 1>(g, px, inside ? row_stride : kw * cs, m, bp, n0, N, ep);
      }
    }
    m += block ? kPx : 1;
  }
}

// Unrolled for the first convs of the networks here, 3x3 over 1 (MNIST) or 3 (RGB)
// channels; runtime loops for any other geometry.
void conv_direct_f32_avx2(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                          const EpilogueF32& ep) {
  assert(g.k() <= kMaxDirectConvK);  // the patch's size
  if (g.kh == 3 && g.kw == 3 && g.C == 1) return conv_direct_avx2<3, 3, 1>(image, g, r0, count, b, ep);
  if (g.kh == 3 && g.kw == 3 && g.C == 3) return conv_direct_avx2<3, 3, 3>(image, g, r0, count, b, ep);
  conv_direct_avx2<0, 0, 0>(image, g, r0, count, b, ep);
}
}  // namespace detail
}  // namespace ttq::kernels
