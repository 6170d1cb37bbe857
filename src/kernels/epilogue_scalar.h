// Internal: the contract's epilogue for one element, in the exact float order every
// kernel uses (mul, then add bias, then add residual*scale, relu, requantize), so SIMD
// lanes and scalar tails give identical outputs. All kernel files are compiled with
// -ffp-contract=off so no compiler turns a mul+add into an FMA behind our back.
// Internal linkage on purpose: this header is included by files built with different
// ISA flags, and one shared out-of-line copy could carry AVX-512 code to an AVX2 CPU.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

// max/min written the way vmaxps/vminps behave (second operand on ties or NaN).
inline float max0(float v) { return v > 0.f ? v : 0.f; }
inline float min255(float v) { return v < 255.f ? v : 255.f; }

inline uint8_t requantize_u8(float y, float inv_scale) {
  const float t = min255(max0(y * inv_scale));
  return static_cast<uint8_t>(static_cast<int>(std::nearbyint(t)));  // round half even
}

inline void epilogue_element(const Epilogue& ep, int row, int col, int32_t c) {
  const std::ptrdiff_t out_at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_s32 != nullptr) {
    ep.out_s32[out_at] = c;
    return;
  }
  float y = static_cast<float>(c) * ep.scale[col];
  if (ep.bias != nullptr) y = y + ep.bias[col];
  if (ep.residual_u8 != nullptr) {
    const float r = static_cast<float>(ep.residual_u8[static_cast<std::ptrdiff_t>(row) * ep.ldr + col]);
    y = y + r * ep.residual_scale;
  }
  if (ep.relu) y = max0(y);
  if (ep.out_f32 != nullptr) {
    ep.out_f32[out_at] = y;
    return;
  }
  ep.out_u8[out_at] = requantize_u8(y, ep.out_inv_scale);
}

}  // namespace
}  // namespace ttq::kernels
