// AVX2 u8 x s8 GEMM: vpmaddubsw (pairs of u8*s8 -> int16, exact because |w| <= 64)
// + vpmaddwd by ones (pairs of int16 -> int32) + vpaddd. Built with -mavx2 -mfma.
#include <cassert>

#include "kernels/gemm_u8s8_ymm_tiles.h"

namespace ttq::kernels {
namespace {
struct DotAvx2 {
  static inline __m256i step(__m256i acc, __m256i a_u8, __m256i b_s8) {
    const __m256i pairs = _mm256_maddubs_epi16(a_u8, b_s8);  // |2 * 255 * 64| < 32767
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
};
}  // namespace

namespace detail {
void run_u8s8_avx2(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx2);
  ymm_gemm<DotAvx2, 5, 10>(M, DenseRows{a, lda}, b, ep);
}
void run_u8s8_avx2_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx2 && a.segments * a.seg_k == b.K && a.seg_k % 4 == 0);
  ymm_gemm<DotAvx2, 5, 10>(M, IndirectRows{a}, b, ep);
}
}  // namespace detail
}  // namespace ttq::kernels
