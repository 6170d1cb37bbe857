// Internal to the kernels layer: the per-ISA entry points behind the registry.
// Packed layout shared by every SIMD kernel (only the panel width differs):
//   columns are cut into panels of `panel_width` (8 for ymm, 16 for zmm), zero padded;
//   inside a panel, K is grouped by 4 (zero padded): for group g and column j the four
//   bytes B[4g..4g+3, j] are contiguous, so one 32-bit lane of a vector holds exactly
//   what vpdpbusd / vpmaddubsw+vpmaddwd multiply with 4 broadcast bytes of A.
//   byte offset of B[k, n] = ((p * K4 + k/4) * panel_width + n % panel_width) * 4 + k % 4,
//   with p = n / panel_width and K4 = ceil(K / 4).
#pragma once

#include <cstddef>

#include "kernels/gemm_u8s8.h"

namespace ttq::kernels::detail {

// Checks |w| <= max_weight (throws ArgumentError) and packs into panels.
// K4 (groups of 4 k per panel) is rounded up to a multiple of `group_multiple`, zero padded.
void pack_u8s8_panels(const int8_t* b_kn, int K, int N, int panel_width, Isa isa, int max_weight, PackedB* out,
                      int group_multiple = 1);
// Throws ArgumentError if any |w| > max_weight.
void check_weight_range(const int8_t* b_kn, int K, int N, int max_weight);

void pack_u8s8_ref(const int8_t* b_kn, int K, int N, PackedB* out);
void run_u8s8_ref(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
void run_u8s8_ref_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);

void pack_u8s8_ymm(const int8_t* b_kn, int K, int N, PackedB* out);   // panel width 8, isa avx2
void pack_u8s8_ymm_vnni(const int8_t* b_kn, int K, int N, PackedB* out);  // same layout, isa avx_vnni
void pack_u8s8_zmm(const int8_t* b_kn, int K, int N, PackedB* out);   // panel width 16
// The zmm layout with K4 rounded up to a multiple of 16: a panel's B tile for 64 k is
// 16 consecutive 64-byte rows, and the last one is zero padded (isa amx_int8).
void pack_u8s8_amx(const int8_t* b_kn, int K, int N, PackedB* out);

void run_u8s8_avx2(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
void run_u8s8_avx_vnni(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
void run_u8s8_avx512_vnni(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
void run_u8s8_avx2_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);
void run_u8s8_avx_vnni_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);
void run_u8s8_avx512_vnni_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);
void run_u8s8_amx_int8(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep);
void run_u8s8_amx_int8_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep);

constexpr int kYmmPanel = 8;
constexpr int kZmmPanel = 16;
constexpr int kAmxGroups = 16;  // groups of 4 k per AMX B tile (64 k)

// Where the SIMD kernels' tiles read A from: a dense matrix (run) or IndirectA offsets
// (run_indirect). The tile code is written once over both.
struct DenseRows {
  const uint8_t* a;
  std::ptrdiff_t lda;
};
struct IndirectRows {
  const IndirectA& a;
};

}  // namespace ttq::kernels::detail
