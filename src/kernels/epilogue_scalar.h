// Internal: the contract's epilogue for one element, in the exact float order every
// kernel uses (fma by scale and bias, fma by the residual, relu or requantize), so SIMD
// lanes and scalar tails give identical outputs. All kernel files are compiled with
// -ffp-contract=off so no compiler fuses or splits a multiply-add behind our back: the
// fused ones are written as fma.
// Internal linkage on purpose: this header is included by files built with different
// ISA flags, and one shared out-of-line copy could carry AVX-512 code to an AVX2 CPU.
#pragma once

#include <cstddef>
#include <cmath>
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
  float y = std::fma(static_cast<float>(c), ep.scale[col], ep.bias[col]);
  const std::ptrdiff_t res_at = static_cast<std::ptrdiff_t>(row) * ep.ldr + col;
  if (ep.residual != nullptr) y = std::fma(ep.residual[res_at], ep.residual_scale, y);
  if (ep.out_f32 != nullptr) {
    ep.out_f32[out_at] = ep.relu ? max0(y) : y;
    // relu or not, the same byte: quantizing clamps at 0.
    if (ep.out_u8 != nullptr) ep.out_u8[out_at] = requantize_u8(y, ep.out_u8_scale);
    return;
  }
  ep.out_u8[out_at] = quantize_u8(y);
}

}  // namespace
}  // namespace ttq::kernels
