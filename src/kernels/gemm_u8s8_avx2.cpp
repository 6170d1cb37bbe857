// AVX2 u8 x s8 GEMM: vpmaddubsw (pairs of u8*s8 -> int16), vpmaddwd by ones (pairs of
// int16 -> int32), vpaddd. The widening vpmaddwd shares ports 0/1 with vpmaddubsw, so
// the K loop adds two groups' vpmaddubsw in int16 first and widens once per 8 k: with
// |w| <= 32, 4 * 255 * 32 = 32640 < 32767, the int16 sums are exact.
// Built with -mavx2 -mfma.
#include <cassert>

#include "kernels/gemm_u8s8_ymm_tiles.h"

namespace ttq::kernels {
namespace {
static_assert(4 * 255 * kCommonMaxWeight <= 32767, "two vpmaddubsw results must add in int16 exactly");

struct DotAvx2 {
  static inline __m256i step(__m256i acc, __m256i a_u8, __m256i b_s8) {
    const __m256i pairs = _mm256_maddubs_epi16(a_u8, b_s8);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
  static constexpr bool kPairs = true;
  static inline __m256i step2(__m256i acc, __m256i a0, __m256i b0, __m256i a1, __m256i b1) {
    const __m256i quads = _mm256_add_epi16(_mm256_maddubs_epi16(a0, b0), _mm256_maddubs_epi16(a1, b1));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(quads, _mm256_set1_epi16(1)));
  }
};
}  // namespace

namespace detail {
void run_u8s8_avx2(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx2);
  ymm_gemm<DotAvx2, 3, 6>(M, DenseRows{a, lda}, b, ep);
}
void run_u8s8_avx2_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::avx2 && a.segments * a.seg_k == b.K && a.seg_k % 4 == 0);
  ymm_gemm<DotAvx2, 3, 6>(M, IndirectRows{a}, b, ep);
}
}  // namespace detail
}  // namespace ttq::kernels
