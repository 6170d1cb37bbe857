// Internal: which epilogue a kernel call runs (output type, residual), as a type chosen
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

enum class OutKind { s32, f32, u8 };

// The u8 variants are the runtime's hot path; f32 outputs (rare: a model's last layers)
// keep residual and relu as run-time branches, which halves the instantiations.
template <OutKind kOut, bool kResidual>
struct EpilogueKind {
  static constexpr OutKind out = kOut;
  // Whether to add the residual: fixed for u8, read at run time for f32.
  static bool adds_residual(const uint8_t* residual_row) { return kOut == OutKind::u8 ? kResidual : residual_row != nullptr; }
};

// The Epilogue's pointers for output row `row`, columns from 0.
struct EpilogueRow {
  const float* scale;
  const float* bias;
  const uint8_t* residual;  // or null
  float residual_scale;
  bool relu;
  uint8_t* out_u8;  // the one that is set
  float* out_f32;
  int32_t* out_s32;
};

inline EpilogueRow epilogue_row(const Epilogue& ep, int row) {
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * ep.ldc;
  EpilogueRow r{ep.scale, ep.bias, nullptr, ep.residual_scale, ep.relu, nullptr, nullptr, nullptr};
  if (ep.residual_u8 != nullptr) r.residual = ep.residual_u8 + static_cast<std::ptrdiff_t>(row) * ep.ldr;
  if (ep.out_u8 != nullptr) r.out_u8 = ep.out_u8 + at;
  if (ep.out_f32 != nullptr) r.out_f32 = ep.out_f32 + at;
  if (ep.out_s32 != nullptr) r.out_s32 = ep.out_s32 + at;
  return r;
}

// Calls fn(EpilogueKind<...>{}) with the variant `ep` asks for.
template <class Fn>
inline void with_epilogue_kind(const Epilogue& ep, Fn&& fn) {
  if (ep.out_s32 != nullptr) {
    fn(EpilogueKind<OutKind::s32, false>{});
  } else if (ep.out_f32 != nullptr) {
    fn(EpilogueKind<OutKind::f32, false>{});
  } else if (ep.residual_u8 != nullptr) {
    fn(EpilogueKind<OutKind::u8, true>{});
  } else {
    fn(EpilogueKind<OutKind::u8, false>{});
  }
}

}  // namespace
}  // namespace ttq::kernels
