// Contract of the integer GEMM the runtime's ternary layers run on (docs/DESIGN.md §6).
// Torch-free (the kernels layer takes nothing from the rest of ttq but common/error.h).
// The implementation is private to the kernels layer; the runtime only uses what is
// declared here.
//
//   C[m, n] = sum_k A[m, k] * B[k, n]        A: u8 activations (row-major, lda),
//                                            B: s8 weights, |B| <= the kernel's max_weight,
//                                            C: int32 accumulators.
//   then the fused epilogue, per element, with fused multiply-adds (one rounding each):
//   y = fma(float(C[m,n]), scale[n], bias[n]) ; y = fma(residual[m,n], residual_scale, y)?
//   (residual: f32)
//   then f32: relu? y ; u8: clamp(round_half_even(y), 0, 255), the output's 1/scale already
//   folded into scale, bias and residual_scale by the caller (one multiply less per element);
//   f32 and u8 both: f32 as above, u8 clamp(round_half_even(y * out_u8_scale), 0, 255).
//
// Why a limit on |B|: the runtime decodes ternary codes to small integers (two per sign).
// AVX2 has no u8 x s8 -> s32 dot product: vpmaddubsw adds two u8*s8 products in int16 with
// saturation, and its kernel adds two such results before widening them, so it takes
// |B| <= 32 (4 * 255 * 32 = 32640 < 32767). The scalar reference, VNNI and AMX sum in
// int32 and take |B| <= 127. Given the same B, every kernel computes exactly the same
// int32 accumulators as the scalar reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ttq::kernels {

// amx_int8 implies avx512_vnni (its epilogue is the zmm one).
enum class Isa : int { scalar = 0, avx2 = 1, avx_vnni = 2, avx512_vnni = 3, amx_int8 = 4 };

const char* isa_name(Isa isa);
// Parses "scalar", "avx2", "avx_vnni", "avx512_vnni", "amx_int8"; returns false if unknown.
bool parse_isa(const char* text, Isa* out);
// True if this CPU (and OS) can run code of that level. amx_int8 also needs the OS's
// permission for tile data (asked once on Linux) and a compiler that built its kernel.
bool cpu_supports(Isa isa);
// Best level this CPU supports, capped by the environment variable TTQ_ISA if set
// (so one machine can test every level it has). Computed once.
Isa active_isa();

// The multiply-accumulates per core cycle a level's u8 x s8 instruction can issue at
// best on the Intel cores it was designed for (two ports of vpmaddubsw / vpdpbusd, one
// AMX tile unit: 64, 64, 128, 1024; 0 for scalar). The denominator of "fraction of
// peak" figures; bench_kernels' probes measure what a given CPU really issues.
double peak_macs_per_cycle(Isa isa);

// The largest |B| every kernel takes (AVX2's), and the largest any takes (s8 without -128).
constexpr int kCommonMaxWeight = 32;
constexpr int kFullMaxWeight = 127;

// Weights packed once at load time into a kernel's preferred panel order.
struct PackedB {
  int K = 0, N = 0;
  Isa isa = Isa::scalar;          // which kernel layout this is
  std::vector<int8_t> data;       // panel-ordered, padded; layout private to the kernel
  std::vector<int32_t> col_bias;  // private per-column helper data (e.g. -128 * column sums for sign tricks)
};

struct Epilogue {
  const float* scale = nullptr;   // [N], required (unless out_s32)
  const float* bias = nullptr;    // [N], required (unless out_s32)
  // At most one residual, [M x ldr], added as residual * residual_scale. Float, not u8:
  // a ResNet's residual stream read back as u8 would add one more rounding per block
  // (docs/RUNTIME.md, "Residuals").
  const float* residual = nullptr;
  int ldr = 0;
  float residual_scale = 0.f;
  bool relu = false;          // f32 output only: u8 outputs clamp at 0 anyway
  // One output, or out_f32 and out_u8 together (a value kept in both forms: the
  // runtime's residual stream, which is read back in float):
  uint8_t* out_u8 = nullptr;  // clamp(round_half_even(y), 0, 255): y already in output units
  float* out_f32 = nullptr;   // y as float
  int32_t* out_s32 = nullptr; // raw accumulators C (tests); epilogue math skipped
  float out_u8_scale = 0.f;   // with both out_f32 and out_u8: the u8 output's 1/scale
  int ldc = 0;                // row stride of the output(s)
};

// A given by offsets instead of a dense matrix: the convolution without im2col. Row m
// of A is the concatenation of `segments` runs of seg_k bytes; run s starts at
// base + offsets[m * segments + s], or at `zeros` (seg_k zero bytes) where that offset
// is negative. For a convolution a run is one kernel tap's channels in the NHWC input
// image at `base`, and a negative offset is a tap in the padding; the offsets depend
// only on the layer's geometry, so they are computed once per layer. seg_k must be a
// multiple of 4, so runs never split a SIMD K group.
struct IndirectA {
  const uint8_t* base = nullptr;
  const int32_t* offsets = nullptr;
  const uint8_t* zeros = nullptr;
  int segments = 1;
  int seg_k = 0;
  const uint8_t* run(std::ptrdiff_t m, int s) const {
    const int32_t o = offsets[m * segments + s];
    return o < 0 ? zeros : base + o;
  }
};

// One entry of the kernel registry. The same registry drives tests and benchmarks.
struct GemmU8S8Kernel {
  const char* name;  // e.g. "gemm_u8s8_avx2_3x16"
  Isa isa;
  int max_weight;  // largest |w| pack accepts: kCommonMaxWeight or kFullMaxWeight
  // For the runtime's split of a layer into tasks: rows of one microkernel tile (a task's
  // rows are a multiple of it where they can be), and the fewest MACs worth a task of
  // their own (a few microseconds of this kernel: below that, waking a thread and waiting
  // for it costs more than the split saves; measured on ResNet-20 at batch 1).
  int tile_rows;
  long task_macs;
  // b_kn: row-major K x N s8 weights with |w| <= max_weight (else ArgumentError).
  void (*pack)(const int8_t* b_kn, int K, int N, PackedB* out);
  // Computes rows [0, M) of C for all N columns and applies the epilogue.
  // The runtime parallelises by calling this on disjoint row ranges (offset A and outputs).
  void (*run)(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
  // The same with A given as IndirectA (b.K == a.segments * a.seg_k); the same
  // accumulators and outputs as `run` on the gathered dense A, bit for bit.
  void (*run_indirect)(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);
};

// All kernels compiled into this binary, scalar reference first.
const std::vector<GemmU8S8Kernel>& gemm_u8s8_kernels();
// The fastest kernel whose ISA is <= active_isa().
const GemmU8S8Kernel& best_gemm_u8s8();

}  // namespace ttq::kernels
