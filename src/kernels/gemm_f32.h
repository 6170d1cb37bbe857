// fp32 GEMM for the layers that stay fp32 (first conv, last FC; docs/DESIGN.md §6).
//   C[m, n] = sum_k A[m, k] * B[k, n]      A: f32 row-major (lda), B: packed from K x N f32
//   y = C * scale[n] (scale may be null = 1) + bias[n] (bias may be null) ; relu? ; store
// Output either f32, or u8 = clamp(round_half_even(y * out_inv_scale), 0, 255) so the
// first conv can feed the u8 activations of the ternary layers directly.
// SIMD kernels use FMA and so differ from the scalar reference by rounding only
// (compare with a tolerance; u8 outputs may differ by 1 at a rounding boundary).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/gemm_u8s8.h"  // Isa, isa_name, active_isa, cpu_supports
#include "kernels/im2col.h"     // ConvGeometry

namespace ttq::kernels {

struct PackedBF32 {
  int K = 0, N = 0;
  Isa isa = Isa::scalar;
  std::vector<float> data;  // layout private to the kernel (panels for SIMD)
};

struct EpilogueF32 {
  const float* scale = nullptr;  // [N] or null (= 1)
  const float* bias = nullptr;   // [N] or null
  bool relu = false;
  // Exactly one output:
  float* out_f32 = nullptr;
  uint8_t* out_u8 = nullptr;
  float out_inv_scale = 1.f;
  int ldc = 0;
};

struct GemmF32Kernel {
  const char* name;
  Isa isa;
  int tile_rows;    // as GemmU8S8Kernel's
  long task_macs;
  void (*pack)(const float* b_kn, int K, int N, PackedBF32* out);
  // Rows [0, M) of C, all N columns; parallelise over disjoint row ranges.
  void (*run)(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep);
  // The same C for an ungrouped convolution with few taps (g.k() <= kMaxDirectConvK: an
  // image network's first conv over 1-3 channels), read from one NHWC image in place
  // instead of an im2col copy: output rows [r0, r0 + count) (row m of the epilogue is
  // output row r0 + m), B packed from the K x N weights in im2col order. A padding tap
  // adds nothing, so C equals `run` on the im2col rows bit for bit.
  void (*conv_direct)(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                      const EpilogueF32& ep);
};

// fp32 multiply-adds per core cycle at best for a kernel of that level: two FMA ports of
// 8 (AVX2) or 16 (AVX-512) lanes; 0 for scalar.
double peak_f32_macs_per_cycle(Isa isa);

// Largest K = kh * kw * C that conv_direct takes (5x5 over 1 channel, 3x3 over 3).
constexpr int kMaxDirectConvK = 32;

// All fp32 kernels compiled in, scalar reference first.
const std::vector<GemmF32Kernel>& gemm_f32_kernels();
// The fastest one whose ISA is <= active_isa().
const GemmF32Kernel& best_gemm_f32();

}  // namespace ttq::kernels
