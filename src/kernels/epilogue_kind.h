// Internal: which epilogue a kernel call runs (output type, residual type), as a type chosen
// once per call, and one output row's pointers. The SIMD epilogues are templates over
// the kind, so the code run per vector has no branches on the Epilogue's fields, and
// take an EpilogueRow made once per tile row: small enough for the compiler to keep in
// registers, where it reloaded the Epilogue's fields after every u8 store (a char store
// may alias anything).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

enum class OutKind { s32, f32, u8, f32_u8 };  // f32_u8: both outputs
// `any`: decided per row at run time (f32 outputs: cheap next to their float stores).
enum class ResidualKind { none, f32, any };

// The Epilogue's pointers for output row `row`, columns from 0.
struct EpilogueRow {
  const float* scale;
  const float* bias;
  const float* residual;  // this row's, or null
  float residual_scale;
  bool relu;
  uint8_t* out_u8;  // the one that is set, or out_u8 and out_f32
  float* out_f32;
  int32_t* out_s32;
  float out_u8_scale;
};

inline EpilogueRow epilogue_row(const Epilogue& ep, int row) {
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * ep.ldc, res_at = static_cast<std::ptrdiff_t>(row) * ep.ldr;
  EpilogueRow r{ep.scale, ep.bias, nullptr, ep.residual_scale, ep.relu, nullptr, nullptr, nullptr, ep.out_u8_scale};
  if (ep.residual != nullptr) r.residual = ep.residual + res_at;
  if (ep.out_u8 != nullptr) r.out_u8 = ep.out_u8 + at;
  if (ep.out_f32 != nullptr) r.out_f32 = ep.out_f32 + at;
  if (ep.out_s32 != nullptr) r.out_s32 = ep.out_s32 + at;
  return r;
}

template <OutKind kOut, ResidualKind kResidual>
struct EpilogueKind {
  static constexpr OutKind out = kOut;
  // The residual this row adds: fixed for u8 outputs (the branches fold away).
  static ResidualKind residual(const EpilogueRow& r) {
    if constexpr (kResidual != ResidualKind::any) {
      return kResidual;
    } else {
      return r.residual != nullptr ? ResidualKind::f32 : ResidualKind::none;
    }
  }
};

// Calls fn(EpilogueKind<...>{}) with the variant `ep` asks for.
template <class Fn>
inline void with_epilogue_kind(const Epilogue& ep, Fn&& fn) {
  if (ep.out_s32 != nullptr) {
    fn(EpilogueKind<OutKind::s32, ResidualKind::none>{});
  } else if (ep.out_f32 != nullptr && ep.out_u8 != nullptr) {
    fn(EpilogueKind<OutKind::f32_u8, ResidualKind::any>{});
  } else if (ep.out_f32 != nullptr) {
    fn(EpilogueKind<OutKind::f32, ResidualKind::any>{});
  } else if (ep.residual != nullptr) {
    fn(EpilogueKind<OutKind::u8, ResidualKind::f32>{});
  } else {
    fn(EpilogueKind<OutKind::u8, ResidualKind::none>{});
  }
}

}  // namespace
}  // namespace ttq::kernels
