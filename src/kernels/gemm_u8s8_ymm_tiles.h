// Internal: the 256-bit vector type of the shared microkernel (gemm_u8s8_tiles.h), used by
// the AVX2 and AVX-VNNI files; the only difference is the `Dot` step (4 u8*s8 products per
// int32 lane added to an accumulator). Include only from a file built with at least
// -mavx2 -mfma; everything here has internal linkage.
#pragma once

#include <immintrin.h>

#include "kernels/gemm_u8s8_tiles.h"

namespace ttq::kernels {
namespace {

// y of 8 consecutive columns of one row: fma by scale and bias, then by the residual.
template <class Kind>
inline __m256 epilogue_y_ymm(const EpilogueRow& r, int col, __m256i c) {
  __m256 y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c), _mm256_loadu_ps(r.scale + col), _mm256_loadu_ps(r.bias + col));
  if (Kind::residual(r) == ResidualKind::f32) {
    y = _mm256_fmadd_ps(_mm256_loadu_ps(r.residual + col), _mm256_set1_ps(r.residual_scale), y);
  }
  return y;
}

// u8 outputs as int32 lanes: clamp to [0, 255], round half to even (MXCSR default).
inline __m256i quantize_ymm(__m256 y) {
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(y, _mm256_setzero_ps()), _mm256_set1_ps(255.f)));
}

// f32 outputs: stores relu? y. Returns what a u8 output rounds: y in output units.
template <class Kind>
inline __m256 epilogue_f32_ymm(const EpilogueRow& r, int col, __m256i c) {
  __m256 y = epilogue_y_ymm<Kind>(r, col, c);
  if constexpr (Kind::out == OutKind::f32 || Kind::out == OutKind::f32_u8) {
    // relu does not change the u8 byte (quantizing clamps at 0), so one y serves both.
    if (r.relu) y = _mm256_max_ps(y, _mm256_setzero_ps());
    _mm256_storeu_ps(r.out_f32 + col, y);
    if constexpr (Kind::out == OutKind::f32_u8) y = _mm256_mul_ps(y, _mm256_set1_ps(r.out_u8_scale));
  }
  return y;
}

// Epilogue of 8 consecutive columns of one row; same float operations as epilogue_element.
template <class Kind>
inline void epilogue_ymm(const EpilogueRow& r, int col, __m256i c) {
  if constexpr (Kind::out == OutKind::s32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(r.out_s32 + col), c);
  } else if constexpr (Kind::out == OutKind::f32) {
    epilogue_f32_ymm<Kind>(r, col, c);
  } else {
    const __m256i q = quantize_ymm(epilogue_f32_ymm<Kind>(r, col, c));
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(r.out_u8 + col), _mm_packus_epi16(w, w));
  }
}

// 16 consecutive columns: u8 outputs packed together, 3 shuffles instead of 6.
template <class Kind>
inline void epilogue2_ymm(const EpilogueRow& r, int col, __m256i c0, __m256i c1) {
  if constexpr (Kind::out == OutKind::u8 || Kind::out == OutKind::f32_u8) {
    const __m256i q0 = quantize_ymm(epilogue_f32_ymm<Kind>(r, col, c0));
    const __m256i q1 = quantize_ymm(epilogue_f32_ymm<Kind>(r, col + 8, c1));
    // Per 128-bit lane: u16 [q0 0-3, q1 0-3 | q0 4-7, q1 4-7], then u8 in each lane's low
    // 8 bytes; the dword permute puts q0 0-3, q0 4-7, q1 0-3, q1 4-7 in order.
    const __m256i w = _mm256_packus_epi32(q0, q1);
    const __m256i b = _mm256_packus_epi16(w, w);
    const __m256i o = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(r.out_u8 + col), _mm256_castsi256_si128(o));
  } else {
    epilogue_ymm<Kind>(r, col, c0);
    epilogue_ymm<Kind>(r, col + 8, c1);
  }
}

// 256-bit vectors, 8 int32 columns; `Dot` is the ISA's 4-products-per-lane step.
template <class Dot>
struct Ymm {
  using reg = __m256i;
  static constexpr int W = detail::kYmmPanel;
  static reg zero() { return _mm256_setzero_si256(); }
  static reg load_b(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static reg broadcast(int32_t a4) { return _mm256_set1_epi32(a4); }
  static void store(int32_t* c, reg v) { _mm256_store_si256(reinterpret_cast<__m256i*>(c), v); }
  static reg load(const int32_t* c) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(c)); }
  static reg dot(reg acc, reg a_u8, reg b_s8) { return Dot::step(acc, a_u8, b_s8); }
  static constexpr bool kPairs = Dot::kPairs;
  static reg dot2(reg acc, reg a0, reg b0, reg a1, reg b1) { return Dot::step2(acc, a0, b0, a1, b1); }
  template <class Kind>
  static void epilogue(const EpilogueRow& r, int col, reg c) {
    epilogue_ymm<Kind>(r, col, c);
  }
  template <class Kind>
  static void epilogue2(const EpilogueRow& r, int col, reg c0, reg c1) {
    epilogue2_ymm<Kind>(r, col, c0, c1);
  }
};

// Tiles of two panels (16 columns) x kMr2 rows, or one panel x kMr1 rows; the accumulators,
// B vectors, the broadcast and the Dot step's temporaries must fit the 16 ymm registers
// (VNNI: 6x2 and 12x1; AVX2's pair step holds B of two groups, two broadcasts, two
// products and the ones: 3x2 and 6x1).
template <class Dot, int kMr2, int kMr1, class Rows>
void ymm_gemm(int M, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kYmmPanel;
  with_epilogue_kind(ep, [&](auto kind) {
    using Kind = decltype(kind);
    for (int n0 = 0; n0 < b.N; n0 += 2 * W) {
      if (b.N - n0 > W) {
        column_block<Ymm<Dot>, kMr2, 2, Kind>(M, n0, rows, b, ep);
      } else {
        column_block<Ymm<Dot>, kMr1, 1, Kind>(M, n0, rows, b, ep);
      }
    }
  });
}

}  // namespace
}  // namespace ttq::kernels
