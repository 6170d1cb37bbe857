// Internal: fp32 GEMM entry points and the shared epilogue element.
// SIMD packed layout: panels of 16 columns (zero padded); inside a panel, row k's 16
// values are contiguous: offset of B[k, n] = (p * K + k) * 16 + n % 16, p = n / 16.
#pragma once

#include <cstddef>

#include "kernels/gemm_f32.h"
#include "kernels/requantize.h"

namespace ttq::kernels {
namespace detail {
constexpr int kF32Panel = 16;
void pack_f32_ref(const float* b_kn, int K, int N, PackedBF32* out);
void run_f32_ref(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep);
void pack_f32_panels16(const float* b_kn, int K, int N, PackedBF32* out);
void run_f32_avx2(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep);
void conv_direct_f32_ref(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                         const EpilogueF32& ep);
void conv_direct_f32_avx2(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                          const EpilogueF32& ep);
void pack_f32_avx512(const float* b_kn, int K, int N, PackedBF32* out);
void run_f32_avx512(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep);
// The AVX-512 kernel's dot-product form, for a few columns and a long K (an FC to 10
// classes): B transposed, each column's K values contiguous and zero padded to a
// multiple of 16 (offset of B[k, n] = n * round_up(K, 16) + k). Never for a K that
// conv_direct takes, which must equal `run` bit for bit.
constexpr int kF32DotMinK = 256;
constexpr bool f32_dot_form(int K, int N) { return N < kF32Panel && K >= kF32DotMinK; }
void conv_direct_f32_avx512(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                            const EpilogueF32& ep);

// The taps of output row r that fall inside the image: ky in [ky_lo, ky_hi), kx in
// [kx_lo, kx_hi), and the input pixel of tap (0, 0) at (iy0, ix0) (may be outside).
struct ConvTaps {
  int iy0, ix0, ky_lo, ky_hi, kx_lo, kx_hi;
};
inline ConvTaps conv_taps(const ConvGeometry& g, int r) {
  const int ow = g.out_w();
  ConvTaps t;
  t.iy0 = (r / ow) * g.sh - g.ph;
  t.ix0 = (r % ow) * g.sw - g.pw;
  t.ky_lo = t.iy0 < 0 ? -t.iy0 : 0;
  t.ky_hi = g.H - t.iy0 < g.kh ? g.H - t.iy0 : g.kh;
  t.kx_lo = t.ix0 < 0 ? -t.ix0 : 0;
  t.kx_hi = g.W - t.ix0 < g.kw ? g.W - t.ix0 : g.kw;
  return t;
}
}  // namespace detail

namespace {  // internal linkage: included by files built with different ISA flags
inline void epilogue_f32_element(const EpilogueF32& ep, int row, int col, float c) {
  float y = ep.scale != nullptr ? c * ep.scale[col] : c;
  if (ep.bias != nullptr) y = y + ep.bias[col];
  if (ep.relu) y = max0(y);
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_f32 != nullptr) {
    ep.out_f32[at] = y;
    return;
  }
  ep.out_u8[at] = requantize_u8(y, ep.out_inv_scale);
}
}  // namespace
}  // namespace ttq::kernels
