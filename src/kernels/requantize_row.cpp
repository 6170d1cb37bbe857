// requantize_u8_row: 16 values a step with SSE2. vmaxps/vminps against 0 and 255 are
// the scalar max0/min255, cvtps2dq rounds half to even under the default MXCSR, and
// the two saturating packs cannot change a value already in [0, 255].
#include "kernels/requantize.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ttq::kernels {

void requantize_u8_row(const float* y, size_t n, float inv_scale, uint8_t* out) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128 inv = _mm_set1_ps(inv_scale), zero = _mm_setzero_ps(), top = _mm_set1_ps(255.f);
  const auto lanes = [&](const float* p) {
    const __m128 t = _mm_min_ps(_mm_max_ps(_mm_mul_ps(_mm_loadu_ps(p), inv), zero), top);
    return _mm_cvtps_epi32(t);
  };
  for (; i + 16 <= n; i += 16) {
    const __m128i lo = _mm_packs_epi32(lanes(y + i), lanes(y + i + 4));
    const __m128i hi = _mm_packs_epi32(lanes(y + i + 8), lanes(y + i + 12));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi16(lo, hi));
  }
#endif
  for (; i < n; ++i) out[i] = requantize_u8(y[i], inv_scale);
}

}  // namespace ttq::kernels
