// Float -> u8 activation: y * inv_scale clamped to [0, 255], rounded half to even.
// One definition for the kernels' scalar epilogues and the runtime's own steps, so
// every path produces the same byte. Rounding adds and subtracts 1.5 * 2^23: exact
// round-half-even for |t| < 2^22 in the default rounding mode, and inlined, where
// std::nearbyint is a libm call on baseline x86-64 (it showed in profiles).
// Internal linkage on purpose: included by files built with different ISA flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ttq::kernels {

// out[i] = requantize_u8(y[i], inv_scale) for n values, with SSE2 (the x86-64
// baseline) where there is one; byte-identical to the scalar function (tested).
void requantize_u8_row(const float* y, size_t n, float inv_scale, uint8_t* out);

namespace {

// max/min written the way vmaxps/vminps behave (second operand on ties or NaN).
inline float max0(float v) { return v > 0.f ? v : 0.f; }
inline float min255(float v) { return v < 255.f ? v : 255.f; }

inline float round_half_even(float t) {
  constexpr float kMagic = 12582912.f;  // 1.5 * 2^23
  return (t + kMagic) - kMagic;
}

// t already in output units (the GEMM epilogue folds 1/scale into its constants).
inline uint8_t quantize_u8(float t) { return static_cast<uint8_t>(static_cast<int>(round_half_even(min255(max0(t))))); }

inline uint8_t requantize_u8(float y, float inv_scale) { return quantize_u8(y * inv_scale); }

}  // namespace
}  // namespace ttq::kernels
