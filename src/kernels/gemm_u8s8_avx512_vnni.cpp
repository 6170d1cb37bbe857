// AVX-512 VNNI u8 x s8 GEMM: EVEX vpdpbusd on zmm, 16 int32 columns per vector.
// Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma.
// The shared microkernel (gemm_u8s8_tiles.h) on zmm: MR rows x NV panels of 16 columns,
// up to 24 of the 32 zmm registers as accumulators.
#include <immintrin.h>

#include <cassert>

#include "kernels/gemm_u8s8_tiles.h"
#include "kernels/gemm_u8s8_zmm.h"

namespace ttq::kernels {
namespace {

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
  static constexpr bool kPairs = false;
  template <class Kind>
  static void epilogue(const EpilogueRow& r, int col, reg c) {
    epilogue_zmm<Kind>(r, col, c);
  }
  template <class Kind>
  static void epilogue2(const EpilogueRow& r, int col, reg c0, reg c1) {
    epilogue_zmm<Kind>(r, col, c0);
    epilogue_zmm<Kind>(r, col + W, c1);
  }
};

// Column blocks of up to 4 panels (64 columns); the tile height fills the 32 registers.
template <class Rows>
void zmm_gemm(int M, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = detail::kZmmPanel;
  const int N = b.N;
  with_epilogue_kind(ep, [&](auto kind) {
    using Kind = decltype(kind);
    for (int n0 = 0; n0 < N; n0 += 4 * W) {
      const int panels = (N - n0 + W - 1) / W;
      switch (panels >= 4 ? 4 : panels) {
        case 4: column_block<Zmm, 6, 4, Kind>(M, n0, rows, b, ep); break;
        case 3: column_block<Zmm, 8, 3, Kind>(M, n0, rows, b, ep); break;
        case 2: column_block<Zmm, 12, 2, Kind>(M, n0, rows, b, ep); break;
        default: column_block<Zmm, 12, 1, Kind>(M, n0, rows, b, ep); break;
      }
    }
  });
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
