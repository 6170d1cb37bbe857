// Internal: zmm helpers shared by the AVX-512 VNNI and AMX-INT8 files (both built with
// the AVX-512 flags; include only from such files). Internal linkage, like the tiles.
#pragma once

#include <immintrin.h>

#include <cstddef>

#include "kernels/epilogue_kind.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

// Epilogue of 16 consecutive columns of one row; same float operations as epilogue_element.
template <class Kind>
inline void epilogue_zmm(const EpilogueRow& r, int col, __m512i c) {
  if constexpr (Kind::out == OutKind::s32) {
    _mm512_storeu_si512(r.out_s32 + col, c);
    return;
  }
  __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), _mm512_loadu_ps(r.scale + col), _mm512_loadu_ps(r.bias + col));
  if (Kind::residual(r) == ResidualKind::f32) {
    y = _mm512_fmadd_ps(_mm512_loadu_ps(r.residual + col), _mm512_set1_ps(r.residual_scale), y);
  }
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (Kind::out == OutKind::f32 || Kind::out == OutKind::f32_u8) {
    // relu does not change the u8 byte (quantizing clamps at 0), so one y serves both.
    if (r.relu) y = _mm512_max_ps(y, zero);
    _mm512_storeu_ps(r.out_f32 + col, y);
    if constexpr (Kind::out == OutKind::f32) return;
    y = _mm512_mul_ps(y, _mm512_set1_ps(r.out_u8_scale));
  }
  const __m512 t = _mm512_min_ps(_mm512_max_ps(y, zero), _mm512_set1_ps(255.f));
  const __m512i q = _mm512_cvtps_epi32(t);  // MXCSR default: round half to even
  _mm_storeu_si128(reinterpret_cast<__m128i*>(r.out_u8 + col), _mm512_cvtepi32_epi8(q));
}

// Zeroes zmm16-31 before returning to the caller's SSE code. The compiler's vzeroupper
// leaves them alone, and with their upper halves dirty the baseline-x86-64 runtime code
// after each kernel call ran slowly: in profiles a quarter of the samples sat on the
// first SSE instruction after the call, and none with this cleanup.
inline void clean_high_zmm() {
  asm volatile(
      "vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
      "vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, %%zmm19\n\t"
      "vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, %%zmm21\n\t"
      "vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, %%zmm23\n\t"
      "vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
      "vpxord %%zmm26, %%zmm26, %%zmm26\n\tvpxord %%zmm27, %%zmm27, %%zmm27\n\t"
      "vpxord %%zmm28, %%zmm28, %%zmm28\n\tvpxord %%zmm29, %%zmm29, %%zmm29\n\t"
      "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31\n\t"
      "vzeroupper" ::
          : "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26",
            "xmm27", "xmm28", "xmm29", "xmm30", "xmm31");
}

}  // namespace
}  // namespace ttq::kernels
