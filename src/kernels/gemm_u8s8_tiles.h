// Internal: the register-blocked u8 x s8 microkernel, written once over a vector type and
// shared by the ymm (AVX2, AVX-VNNI) and zmm (AVX-512 VNNI) files. Include only from a
// file built with that vector's ISA flags; everything here has internal linkage, so two
// files built with different flags never share one out-of-line copy.
//
// Tile: MR rows of A x NV panels of V::W columns. Per group of 4 k: NV loads of B, MR
// broadcasts of 4 A bytes, MR*NV dot steps into MR*NV int32 accumulators. The vector
// type V provides:
//   using reg;  static constexpr int W;          (int32 lanes = panel width)
//   reg zero(); reg load_b(const int8_t*); reg broadcast(int32_t);
//   void store(int32_t*, reg) (aligned); reg load(const int32_t*) (aligned);
//   reg dot(reg acc, reg a_u8, reg b_s8);         (acc + 4 u8*s8 products per lane)
//   static constexpr bool kPairs;                 (true: it also has dot2, below)
//   reg dot2(reg acc, reg a0, reg b0, reg a1, reg b1);   (acc + 8 products: two groups in one
//                                                  widening; AVX2, where widening is the cost)
//   template <class Kind> void epilogue(const EpilogueRow&, int col, reg c);
//                                                 (W full columns; epilogue_kind.h)
//   template <class Kind> void epilogue2(const EpilogueRow&, int col, reg c0, reg c1);
//                                                 (2 * W full columns)
#pragma once

#include <cstring>

#include "kernels/epilogue_kind.h"
#include "kernels/epilogue_scalar.h"
#include "kernels/gemm_u8s8_impl.h"

namespace ttq::kernels {
namespace {

inline int32_t load_a4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// One group of 4 k: acc[m][v] += A[row m, 4 bytes at a[m]] . B[group, panel v].
template <class V, int MR, int NV>
__attribute__((always_inline)) inline void dot_group(typename V::reg (&acc)[MR][NV], const uint8_t* const (&a)[MR],
                                                     const int8_t* b, std::ptrdiff_t panel_bytes) {
  typename V::reg bv[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) bv[v] = V::load_b(b + v * panel_bytes);
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) {
    const typename V::reg av = V::broadcast(load_a4(a[m]));
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = V::dot(acc[m][v], av, bv[v]);
  }
}

// Two groups of 4 k: acc[m][v] += A[row m, 8 bytes at a[m]] . B[groups g, g+1, panel v].
template <class V, int MR, int NV>
__attribute__((always_inline)) inline void dot_pair(typename V::reg (&acc)[MR][NV], const uint8_t* const (&a)[MR],
                                                    const int8_t* b, std::ptrdiff_t panel_bytes) {
  typename V::reg b0[NV], b1[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    b0[v] = V::load_b(b + v * panel_bytes);
    b1[v] = V::load_b(b + v * panel_bytes + V::W * 4);
  }
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m) {
    const typename V::reg a0 = V::broadcast(load_a4(a[m])), a1 = V::broadcast(load_a4(a[m] + 4));
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = V::dot2(acc[m][v], a0, b0[v], a1, b1[v]);
  }
}

// `groups` groups of 4 k from row pointers p (advancing 4 bytes a group) and B at bq.
template <class V, int MR, int NV>
__attribute__((always_inline)) inline void dot_groups(typename V::reg (&acc)[MR][NV], const uint8_t* const (&p)[MR],
                                                      int groups, const int8_t* bq, std::ptrdiff_t panel_bytes) {
  int g = 0;
  if constexpr (V::kPairs) {
    for (; g + 1 < groups; g += 2) {
      const uint8_t* rows[MR];
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) rows[m] = p[m] + 4 * g;
      dot_pair<V, MR, NV>(acc, rows, bq + g * V::W * 4, panel_bytes);
    }
  }
  for (; g < groups; ++g) {
    const uint8_t* rows[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) rows[m] = p[m] + 4 * g;
    dot_group<V, MR, NV>(acc, rows, bq + g * V::W * 4, panel_bytes);
  }
}

template <class V, int MR, int NV>
__attribute__((always_inline)) inline void zero_all(typename V::reg (&acc)[MR][NV]) {
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = V::zero();
}

template <class V, int MR, int NV>
__attribute__((always_inline)) inline void store_all(typename V::reg (&acc)[MR][NV], int32_t* c) {
#pragma GCC unroll 16
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) V::store(c + (m * NV + v) * V::W, acc[m][v]);
}

// The K loop alone, accumulators stored to `c` (MR x NV*W int32) at the end. Kept apart
// from the epilogue, and with the K % 4 tail run as a second pass of the same loop (over a
// small zero-padded copy of the rows' last bytes), so that GCC keeps all accumulators in
// registers; a separate tail block made it spill them to the stack on every iteration.
template <class V, int MR, int NV>
__attribute__((noinline)) void accumulate_dense(const uint8_t* a, std::ptrdiff_t lda, int K, const int8_t* bp,
                                                std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = V::W;
  const int k_full = K / 4, k_rest = K % 4;
  typename V::reg acc[MR][NV];
  zero_all<V, MR, NV>(acc);

  alignas(64) uint8_t tail[MR * 4] = {};
  const uint8_t* ap = a;
  std::ptrdiff_t a_stride = lda;
  const int8_t* bq = bp;
  int groups = k_full;
  for (int pass = 0; pass < 2; ++pass) {
    const uint8_t* rows[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) rows[m] = ap + m * a_stride;
    dot_groups<V, MR, NV>(acc, rows, groups, bq, panel_bytes);
    if (pass == 1 || k_rest == 0) break;
    for (int m = 0; m < MR; ++m)
      for (int i = 0; i < k_rest; ++i) tail[m * 4 + i] = a[m * lda + 4 * k_full + i];
    ap = tail;
    a_stride = 4;
    bq = bp + static_cast<std::ptrdiff_t>(k_full) * W * 4;
    groups = 1;
  }
  store_all<V, MR, NV>(acc, c);
}

// The same K loop over IndirectA rows: per segment, MR run pointers and seg_groups groups of 4.
template <class V, int MR, int NV>
__attribute__((noinline)) void accumulate_indirect(const IndirectA& a, std::ptrdiff_t m0, int seg_groups,
                                                   const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  constexpr int W = V::W;
  typename V::reg acc[MR][NV];
  zero_all<V, MR, NV>(acc);
  const int8_t* bq = bp;
  for (int s = 0; s < a.segments; ++s, bq += static_cast<std::ptrdiff_t>(seg_groups) * W * 4) {
    const uint8_t* p[MR];
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m) p[m] = a.run(m0 + m, s);
    dot_groups<V, MR, NV>(acc, p, seg_groups, bq, panel_bytes);
  }
  store_all<V, MR, NV>(acc, c);
}

template <class V, int MR, int NV>
void accumulate(const detail::DenseRows& src, int m0, int K, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  accumulate_dense<V, MR, NV>(src.a + m0 * src.lda, src.lda, K, bp, panel_bytes, c);
}
template <class V, int MR, int NV>
void accumulate(const detail::IndirectRows& src, int m0, int, const int8_t* bp, std::ptrdiff_t panel_bytes, int32_t* c) {
  accumulate_indirect<V, MR, NV>(src.a, m0, src.a.seg_k / 4, bp, panel_bytes, c);
}

// One MR x NV*W tile of C: the K loop, then the epilogue (whole vectors, scalar column tail).
template <class V, int MR, int NV, class Kind, class Rows>
void tile(int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  constexpr int W = V::W;
  const int K = b.K, N = b.N, k4 = (K + 3) / 4;
  const std::ptrdiff_t panel_bytes = static_cast<std::ptrdiff_t>(k4) * W * 4;
  alignas(64) int32_t c[MR * NV * W];
  accumulate<V, MR, NV>(rows, m0, K, b.data.data() + (n0 / W) * panel_bytes, panel_bytes, c);
  for (int m = 0; m < MR; ++m) {
    const EpilogueRow out_row = epilogue_row(ep, m0 + m);
    int v = 0;
    for (; v + 1 < NV && n0 + (v + 2) * W <= N; v += 2) {
      const int32_t* cv = c + (m * NV + v) * W;
      V::template epilogue2<Kind>(out_row, n0 + v * W, V::load(cv), V::load(cv + W));
    }
    for (; v < NV; ++v) {
      const int col = n0 + v * W;
      const int32_t* cv = c + (m * NV + v) * W;
      if (col + W <= N) {
        V::template epilogue<Kind>(out_row, col, V::load(cv));
      } else {
        for (int j = 0; col + j < N; ++j) epilogue_element(ep, m0 + m, col + j, cv[j]);
      }
    }
  }
}

// Runtime row count -> compile-time tile (M tails).
template <class V, int MR, int NV, class Kind, class Rows>
void tile_rows(int count, int m0, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  if (count == MR) {
    tile<V, MR, NV, Kind>(m0, n0, rows, b, ep);
  } else if constexpr (MR > 1) {
    tile_rows<V, MR - 1, NV, Kind>(count, m0, n0, rows, b, ep);
  }
}

// All rows of the column block starting at n0 (NV panels), MR rows at a time.
template <class V, int MR, int NV, class Kind, class Rows>
void column_block(int M, int n0, const Rows& rows, const PackedB& b, const Epilogue& ep) {
  for (int m0 = 0; m0 < M; m0 += MR) tile_rows<V, MR, NV, Kind>(M - m0 < MR ? M - m0 : MR, m0, n0, rows, b, ep);
}

}  // namespace
}  // namespace ttq::kernels
