// Internal: the contract's epilogue for one element, in the exact float order every
// kernel uses (mul, then add bias, then add residual*scale, relu, requantize), so SIMD
// lanes and scalar tails give identical outputs. All kernel files are compiled with
// -ffp-contract=off so no compiler turns a mul+add into an FMA behind our back.
// Internal linkage on purpose: this header is included by files built with different
// ISA flags, and one shared out-of-line copy could carry AVX-512 code to an AVX2 CPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm_u8s8.h"
#include "kernels/requantize.h"

namespace ttq::kernels {
namespace {

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
