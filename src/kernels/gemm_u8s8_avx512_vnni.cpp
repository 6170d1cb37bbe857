// AVX-512 VNNI u8 x s8 GEMM: EVEX vpdpbusd on zmm, 16 int32 columns per vector.
// Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma.
// The shared microkernel (gemm_u8s8_tiles.h) on zmm: MR rows x NV panels of 16 columns,
// up to 24 of the 32 zmm registers as accumulators.
#include <immintrin.h>

#include <cassert>

#include "kernels/gemm_u8s8_tiles.h"

namespace ttq::kernels {
namespace {

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

// 512-bit vectors, 16 int32 columns, EVEX vpdpbusd.
struct Zmm {
  using reg = __m512i;
  static constexpr int W = detail::kZmmPanel;
  static reg zero() { return _mm512_setzero_si512(); }
  static reg load_b(const int8_t* p) { return _mm512_loadu_si512(p); }
  static reg broadcast(int32_t a4) { return _mm512_set1_epi32(a4); }
  static void store(int32_t* c, reg v) { _mm512_store_si512(c, v); }
  static reg load(const int32_t* c) { return _mm512_load_si512(c); }
  static reg dot(reg acc, reg a_u8, reg b_s8) { return _mm512_dpbusd_epi32(acc, a_u8, b_s8); }
  static void epilogue(const Epilogue& ep, int row, int col, reg c) { epilogue_zmm(ep, row, col, c); }
};

// Column blocks of up to 4 panels (64 columns); the tile height fills the 32 registers.
template <class Rows>
void zmm_gemm(int M, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kZmmPanel;
  const int N = b.N;
  for (int n0 = 0; n0 < N; n0 += 4 * W) {
    const int panels = (N - n0 + W - 1) / W;
    switch (panels >= 4 ? 4 : panels) {
      case 4: column_block<Zmm, 6, 4>(M, n0, rows, b, ep); break;
      case 3: column_block<Zmm, 8, 3>(M, n0, rows, b, ep); break;
      case 2: column_block<Zmm, 12, 2>(M, n0, rows, b, ep); break;
      default: column_block<Zmm, 12, 1>(M, n0, rows, b, ep); break;
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
