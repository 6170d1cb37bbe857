// AVX-VNNI u8 x s8 GEMM: one VEX vpdpbusd per 4 products per int32 lane (ymm).
// Built with -mavxvnni -mavx2 -mfma.
#include <cassert>

#include "kernels/gemm_u8s8_ymm_tiles.h"

namespace ttq::kernels {
namespace {
struct DotAvxVnni {
  static inline __m256i step(__m256i acc, __m256i a_u8, __m256i b_s8) {
    return _mm256_dpbusd_avx_epi32(acc, a_u8, b_s8);
  }
  static constexpr bool kPairs = false;  // one instruction a group: nothing to save
};
}  // namespace

namespace detail {
void run_u8s8_avx_vnni(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx_vnni);
  ymm_gemm<DotAvxVnni, 6, 12>(M, DenseRows{a, lda}, b, ep);
}
void run_u8s8_avx_vnni_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx_vnni && a.segments * a.seg_k == b.K && a.seg_k % 4 == 0);
  ymm_gemm<DotAvxVnni, 6, 12>(M, IndirectRows{a}, b, ep);
}
}  // namespace detail
}  // namespace ttq::kernels
