// AVX-512 VNNI u8 x s8 GEMM: EVEX vpdpbusd on zmm, 16 int32 columns per vector.
// Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma.
// Tile: MR rows x NV panels of 16 columns, up to 24 of the 32 zmm registers as accumulators.
#include <immintrin.h>

#include <cassert>
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
// Epilogue of 16 consecutive columns; same float operations as epilogue_element.
inline void epilogue_zmm(const Epilogue& ep, int row, int col, __m512i c) {
  const std::ptrdiff_t out_at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_s32 != nullptr) {
    _mm512_storeu_si512(ep.out_s32 + out_at, c);
    return;
  }
  __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(c), _mm512_loadu_ps(ep.scale + col));
  if (ep.bias != nullptr) y = _mm512_add_ps(y, _mm512_loadu_ps(ep.bias + col));
  if (ep.residual_u8 != nullptr) {
    const __m128i r8 = _mm_loadu_si128(
        reinterpret_cast<const __m128i*>(ep.residual_u8 + static_cast<std::ptrdiff_t>(row) * ep.ldr + col));
    const __m512 r = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(r8));
    y = _mm512_add_ps(y, _mm512_mul_ps(r, _mm512_set1_ps(ep.residual_scale)));
  }
  const __m512 zero = _mm512_setzero_ps();
  if (ep.relu) y = _mm512_max_ps(y, zero);
  if (ep.out_f32 != nullptr) {
    _mm512_storeu_ps(ep.out_f32 + out_at, y);
    return;
  }
  __m512 t = _mm512_mul_ps(y, _mm512_set1_ps(ep.out_inv_scale));
  t = _mm512_min_ps(_mm512_max_ps(t, zero), _mm512_set1_ps(255.f));
  const __m512i q = _mm512_cvtps_epi32(t);  // MXCSR default: round half to even
  _mm_storeu_si128(reinterpret_cast<__m128i*>(ep.out_u8 + out_at), _mm512_cvtepi32_epi8(q));
}

// The K loop alone, accumulators stored to `c` (MR x NV*16 int32) at the end. Kept apart
// from the epilogue, and with the K % 4 tail run as a second pass of the same loop (over a
// small zero-padded copy of the rows' last bytes), so that GCC keeps all accumulators in
// registers; a separate tail block made it spill them to the stack on every iteration.
template <int MR, int NV>
__attribute__((noinline)) void zmm_accumulate(const uint8_t* a, std::ptrdiff_t lda, int K, const int8_t* bp,
                                              std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = detail::kZmmPanel;
  const int k_full = K / 4, k_rest = K % 4;
  __m512i acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_setzero_si512();

  alignas(64) uint8_t tail[MR * 4] = {};
  const uint8_t* ap = a;
  std::ptrdiff_t a_stride = lda;
  const int8_t* bq = bp;
  int groups = k_full;
  for (int pass = 0; pass < 2; ++pass) {
    for (int g = 0; g < groups; ++g) {
      __m512i bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_si512(bq + v * panel_bytes + g * W * 4);
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) {
        const __m512i av = _mm512_set1_epi32(load_a4(ap + m * a_stride + 4 * g));
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_dpbusd_epi32(acc[m][v], av, bv[v]);
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
    for (int v = 0; v < NV; ++v) _mm512_store_si512(c + (m * NV + v) * W, acc[m][v]);
}

// The same K loop over IndirectA rows: per segment, MR run pointers and seg_groups groups of 4.
template <int MR, int NV>
__attribute__((noinline)) void zmm_accumulate_rows(const IndirectA& a, std::ptrdiff_t m0, int seg_groups,
                                                   const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = detail::kZmmPanel;
  __m512i acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_setzero_si512();
  const int8_t* bq = bp;
  for (int s = 0; s < a.segments; ++s, bq += static_cast<std::ptrdiff_t>(seg_groups) * W * 4) {
    const uint8_t* p[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) p[m] = a.run(m0 + m, s);
    for (int g = 0; g < seg_groups; ++g) {
      __m512i bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_si512(bq + v * panel_bytes + g * W * 4);
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) {
        const __m512i av = _mm512_set1_epi32(load_a4(p[m] + 4 * g));
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_dpbusd_epi32(acc[m][v], av, bv[v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_store_si512(c + (m * NV + v) * W, acc[m][v]);
}

template <int MR, int NV>
void accumulate(const detail::DenseRows& src, int m0, int K, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  zmm_accumulate<MR, NV>(src.a + m0 * src.lda, src.lda, K, bp, panel_bytes, c);
}
template <int MR, int NV>
void accumulate(const detail::IndirectRows& src, int m0, int, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  zmm_accumulate_rows<MR, NV>(src.a, m0, src.a.seg_k / 4, bp, panel_bytes, c);
}

template <int MR, int NV, class Rows>
void zmm_tile(int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kZmmPanel;
  const int K = b.K, N = b.N, k4 = (K + 3) / 4;
  const std::ptrdiff_t panel_bytes = static_cast<std::ptrdiff_t>(k4) * W * 4;
  alignas(64) int32_t c[MR * NV * W];
  accumulate<MR, NV>(rows, m0, K, b.data.data() + (n0 / W) * panel_bytes, panel_bytes, c);

  for (int m = 0; m < MR; ++m) {
    for (int v = 0; v < NV; ++v) {
      const int col = n0 + v * W;
      const int32_t* cv = c + (m * NV + v) * W;
      if (col + W <= N) {
        epilogue_zmm(ep, m0 + m, col, _mm512_load_si512(cv));
      } else {
        for (int j = 0; col + j < N; ++j) epilogue_element(ep, m0 + m, col + j, cv[j]);
      }
    }
  }
}

template <int MR, int NV, class Rows>
void zmm_rows(int count, int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  if (count == MR) {
    zmm_tile<MR, NV>(m0, n0, rows, b, ep);
  } else if constexpr (MR > 1) {
    zmm_rows<MR - 1, NV>(count, m0, n0, rows, b, ep);
  }
}

template <int MR, int NV, class Rows>
void zmm_block(int M, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  for (int m0 = 0; m0 < M; m0 += MR) zmm_rows<MR, NV>(M - m0 < MR ? M - m0 : MR, m0, n0, rows, b, ep);
}

// Column blocks of up to 4 panels (64 columns); the tile height fills the 32 registers.
template <class Rows>
void zmm_gemm(int M, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kZmmPanel;
  const int N = b.N;
  for (int n0 = 0; n0 < N; n0 += 4 * W) {
    const int panels = (N - n0 + W - 1) / W;
    switch (panels >= 4 ? 4 : panels) {
      case 4: zmm_block<6, 4>(M, n0, rows, b, ep); break;
      case 3: zmm_block<8, 3>(M, n0, rows, b, ep); break;
      case 2: zmm_block<12, 2>(M, n0, rows, b, ep); break;
      default: zmm_block<12, 1>(M, n0, rows, b, ep); break;
    }
  }
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

namespace detail {
void run_u8s8_avx512_vnni(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx512_vnni);
  zmm_gemm(M, DenseRows{a, lda}, b, ep);
  clean_high_zmm();
}
void run_u8s8_avx512_vnni_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx512_vnni && a.segments * a.seg_k == b.K && a.seg_k % 4 == 0);
  zmm_gemm(M, IndirectRows{a}, b, ep);
  clean_high_zmm();
}
}  // namespace detail
}  // namespace ttq::kernels
