// AVX-512 fp32 GEMM: zmm FMA, 16 columns per vector, B in the 16-column panels of
// pack_f32_panels16 (gemm_f32_impl.h). Tiles of MR rows x NV panels: 6x64, 8x48, 12x32,
// 12x16 (24 accumulators at most, the rest of the 32 zmm for B and the broadcast of A),
// so that both FMA pipes always have independent chains. Built with the AVX-512 flags.
#include <immintrin.h>

#include <cassert>

#include "kernels/gemm_f32_impl.h"
#include "kernels/gemm_u8s8_zmm.h"  // clean_high_zmm

namespace ttq::kernels {
namespace {

constexpr int P = detail::kF32Panel;  // 16 floats = one zmm
using detail::f32_dot_form;

// Columns [col, col + 16) of one row where mask has them (the rest past N); the float
// operations of epilogue_f32_element in the same order (mul, add, relu, requantize).
inline void epilogue_f32_zmm(const EpilogueF32& ep, int row, int col, __mmask16 mask, __m512 c) {
  __m512 y = ep.scale != nullptr ? _mm512_mul_ps(c, _mm512_maskz_loadu_ps(mask, ep.scale + col)) : c;
  if (ep.bias != nullptr) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask, ep.bias + col));
  const __m512 zero = _mm512_setzero_ps();
  if (ep.relu) y = _mm512_max_ps(y, zero);  // vmaxps: the second operand on NaN, as max0
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * ep.ldc + col;
  if (ep.out_f32 != nullptr) {
    _mm512_mask_storeu_ps(ep.out_f32 + at, mask, y);
    return;
  }
  __m512 t = _mm512_mul_ps(y, _mm512_set1_ps(ep.out_inv_scale));
  t = _mm512_min_ps(_mm512_max_ps(t, zero), _mm512_set1_ps(255.f));
  _mm512_mask_cvtepi32_storeu_epi8(ep.out_u8 + at, mask, _mm512_cvtps_epi32(t));  // half to even
}

inline __mmask16 column_mask(int col, int N) {
  const int left = N - col;
  return left >= P ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
}

// The K loop alone, accumulators stored to c (MR x NV*16) at the end: apart from the
// epilogue so that GCC keeps every accumulator in a register (as gemm_u8s8_tiles.h).
// Row m of A at a + m * lda; B panel v at bp + v * K * 16. Sums in k order from +0, one
// rounding per FMA: the same bits as the AVX2 kernel and conv_direct below.
template <int MR, int NV>
__attribute__((noinline)) void accumulate(const float* a, std::ptrdiff_t lda, int K, const float* bp, float* c) {
  const std::ptrdiff_t panel = static_cast<std::ptrdiff_t>(K) * P;
  __m512 acc[MR][NV];
#pragma GCC unroll 24
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(bp + v * panel + k * P);
#pragma GCC unroll 24
    for (int m = 0; m < MR; ++m) {
      const __m512 av = _mm512_set1_ps(a[m * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm512_fmadd_ps(av, bv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 24
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_store_ps(c + (m * NV + v) * P, acc[m][v]);
}

template <int MR, int NV>
void tile(int m0, int n0, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  const int K = b.K, N = b.N;
  alignas(64) float c[MR * NV * P];
  accumulate<MR, NV>(a + static_cast<std::ptrdiff_t>(m0) * lda, lda, K,
                     b.data.data() + static_cast<std::ptrdiff_t>(n0 / P) * K * P, c);
  for (int m = 0; m < MR; ++m)
    for (int v = 0; v < NV; ++v) {
      const int col = n0 + v * P;
      epilogue_f32_zmm(ep, m0 + m, col, column_mask(col, N), _mm512_load_ps(c + (m * NV + v) * P));
    }
}

// Runtime row count (the M tail) -> compile-time tile height.
template <int MR, int NV>
void tile_rows(int rows, int m0, int n0, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  if (rows == MR) {
    tile<MR, NV>(m0, n0, a, lda, b, ep);
  } else if constexpr (MR > 1) {
    tile_rows<MR - 1, NV>(rows, m0, n0, a, lda, b, ep);
  }
}

// M rows in ceil(M / MR) tiles of nearly equal heights: a short last tile would have too
// few independent FMA chains to hide the FMA latency (64 rows: 11,11,11,11,10,10, not
// five of 12 and a 4-row tail).
template <int MR, int NV>
void column_block(int M, int n0, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  const int tiles = (M + MR - 1) / MR, base = M / tiles, taller = M % tiles;
  for (int t = 0, m0 = 0; t < tiles; ++t) {
    const int rows = base + (t < taller ? 1 : 0);
    tile_rows<MR, NV>(rows, m0, n0, a, lda, b, ep);
    m0 += rows;
  }
}

// Dot-product form (f32_dot_form: N < 16, long K): a 16-column tile would leave most lanes
// empty and need one broadcast per FMA, which this CPU's FMA pipes pay for (12
// independent FMAs with a broadcast operand each issued at 1.7 a cycle, 2.0 without).
// Here the lanes run along k instead: per 16 k, MR rows of A and NR columns of B^T are
// loaded whole and multiplied pairwise into MR x NR accumulators, summed across lanes at
// the end. Another order of the same sums than the tiles: rounding differs (tested with
// the tolerance), and conv_direct never meets this form (its K is at most 32).
template <int MR, int NR>
__attribute__((noinline)) void dot_accumulate(const float* a, std::ptrdiff_t lda, int K, const float* bt,
                                              std::ptrdiff_t ldb, float* c) {
  __m512 acc[MR][NR];
#pragma GCC unroll 4
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) acc[m][r] = _mm512_setzero_ps();
  for (int k = 0; k < K; k += P) {
    // A is read only up to K (masked); B^T's columns are zero padded to ldb.
    const __mmask16 mask = column_mask(k, K);
    __m512 bv[NR];
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) bv[r] = _mm512_loadu_ps(bt + r * ldb + k);
#pragma GCC unroll 4
    for (int m = 0; m < MR; ++m) {
      const __m512 av = _mm512_maskz_loadu_ps(mask, a + m * lda + k);
#pragma GCC unroll 8
      for (int r = 0; r < NR; ++r) acc[m][r] = _mm512_fmadd_ps(av, bv[r], acc[m][r]);
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) c[m * NR + r] = _mm512_reduce_add_ps(acc[m][r]);
}

// Runtime (rows, cols) of a tile -> compile-time MR x NR.
template <int MR, int NR>
void dot_tile(int rows, int cols, int m0, int n0, const float* a, int lda, const PackedBF32& b,
              const EpilogueF32& ep) {
  if (cols != NR) {
    if constexpr (NR > 1) dot_tile<MR, NR - 1>(rows, cols, m0, n0, a, lda, b, ep);
    return;
  }
  if (rows != MR) {
    if constexpr (MR > 1) dot_tile<MR - 1, NR>(rows, cols, m0, n0, a, lda, b, ep);
    return;
  }
  const int ldb = (b.K + P - 1) / P * P;
  float c[MR * NR];
  dot_accumulate<MR, NR>(a + static_cast<std::ptrdiff_t>(m0) * lda, lda, b.K,
                         b.data.data() + static_cast<std::ptrdiff_t>(n0) * ldb, ldb, c);
  for (int m = 0; m < MR; ++m)
    for (int r = 0; r < NR; ++r) epilogue_f32_element(ep, m0 + m, n0 + r, c[m * NR + r]);
}

// 4 rows x 5 columns: 20 accumulators, 9 loads per 20 FMAs. Rows outside, so that a
// tile's rows of A and all of B^T (N < 16 columns) stay in L1.
void dot_gemm(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  constexpr int MR = 4, NR = 5;
  for (int m0 = 0; m0 < M; m0 += MR)
    for (int n0 = 0; n0 < b.N; n0 += NR)
      dot_tile<MR, NR>(M - m0 < MR ? M - m0 : MR, b.N - n0 < NR ? b.N - n0 : NR, m0, n0, a, lda, b, ep);
}

// conv_direct: PX output pixels x NV panels per block, like a GEMM tile whose A rows are
// the pixels' taps read in place. Any PX pixels of the call make a block (they need not
// be neighbours), so blocks are full but for the last two: pixels whose taps all lie in
// the image (read there, rows of taps W * C apart), and border pixels, each through a
// zero-padded copy of its taps (rows kw * C apart; the zero taps add +-0 to sums that
// start at +0, as the im2col rows' zeros do in `run`). Sums in k order: `run`'s bits.
// KH, KW, C: the geometry when known at compile time (taps unrolled), else 0 (read from g).
template <int KH, int KW, int C, int PX, int NV>
__attribute__((noinline)) void conv_accumulate(const ConvGeometry& g, const float* const (&px)[PX],
                                               std::ptrdiff_t row_stride, const float* bp, std::ptrdiff_t panel,
                                               float* c) {
  const int kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, cs = C ? C : g.C;
  __m512 acc[PX][NV];
#pragma GCC unroll 12
  for (int p = 0; p < PX; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[p][v] = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int ky = 0; ky < kh; ++ky)
#pragma GCC unroll 8
    for (int kx = 0; kx < kw; ++kx)
#pragma GCC unroll 4
      for (int ci = 0; ci < cs; ++ci) {
        const int k = (ky * kw + kx) * cs + ci;
        __m512 w[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) w[v] = _mm512_loadu_ps(bp + v * panel + k * P);
#pragma GCC unroll 12
        for (int p = 0; p < PX; ++p) {
          const __m512 a = _mm512_set1_ps(px[p][ky * row_stride + kx * cs + ci]);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[p][v] = _mm512_fmadd_ps(a, w[v], acc[p][v]);
        }
      }
#pragma GCC unroll 12
  for (int p = 0; p < PX; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_store_ps(c + (p * NV + v) * P, acc[p][v]);
}

// Up to PX pixels: px[p] their tap (0, 0), rows[p] their epilogue rows; the first `used`
// are real, the rest repeat pixel 0 (valid memory; their sums are dropped).
template <int PX>
struct PixelBlock {
  const float* px[PX];
  int rows[PX];
  int used = 0;
  alignas(64) float patch[PX][kMaxDirectConvK];
};

// A block over panels [v0, v0 + nv) for a runtime nv <= NV.
template <int KH, int KW, int C, int PX, int NV>
void conv_panels(int nv, const ConvGeometry& g, const PixelBlock<PX>& blk, std::ptrdiff_t row_stride,
                 const PackedBF32& b, int v0, const EpilogueF32& ep) {
  if (nv != NV) {
    if constexpr (NV > 1) conv_panels<KH, KW, C, PX, NV - 1>(nv, g, blk, row_stride, b, v0, ep);
    return;
  }
  const std::ptrdiff_t panel = static_cast<std::ptrdiff_t>(b.K) * P;
  alignas(64) float c[PX * NV * P];
  conv_accumulate<KH, KW, C, PX, NV>(g, blk.px, row_stride, b.data.data() + v0 * panel, panel, c);
  for (int p = 0; p < blk.used; ++p)
    for (int v = 0; v < NV; ++v) {
      const int col = (v0 + v) * P;
      epilogue_f32_zmm(ep, blk.rows[p], col, column_mask(col, b.N), _mm512_load_ps(c + (p * NV + v) * P));
    }
}

template <int KH, int KW, int C, int PX, int NV>
void conv_blocks(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                 const EpilogueF32& ep) {
  const int kh = KH ? KH : g.kh, kw = KW ? KW : g.kw, cs = C ? C : g.C;
  const int panels = (b.N + P - 1) / P;
  const std::ptrdiff_t image_stride = static_cast<std::ptrdiff_t>(g.W) * cs, patch_stride = kw * cs;
  PixelBlock<PX> in, border;
  auto flush = [&](PixelBlock<PX>& blk, std::ptrdiff_t row_stride) {
    if (blk.used == 0) return;
    for (int p = blk.used; p < PX; ++p) blk.px[p] = blk.px[0];
    for (int v0 = 0; v0 < panels; v0 += NV)
      conv_panels<KH, KW, C, PX, NV>(panels - v0 < NV ? panels - v0 : NV, g, blk, row_stride, b, v0, ep);
    blk.used = 0;
  };
  // The output pixel walks (oy, ox): two integer divisions per pixel (conv_taps) cost
  // more than a small conv's FMAs, so only border pixels take them.
  const int ow = g.out_w();
  int oy = r0 / ow, ox = r0 % ow;
  for (int m = 0; m < count; ++m) {
    const int iy0 = oy * g.sh - g.ph, ix0 = ox * g.sw - g.pw;
    if (++ox == ow) ox = 0, ++oy;
    if (iy0 >= 0 && iy0 + kh <= g.H && ix0 >= 0 && ix0 + kw <= g.W) {
      in.px[in.used] = image + (static_cast<std::ptrdiff_t>(iy0) * g.W + ix0) * cs;
      in.rows[in.used++] = m;
      if (in.used == PX) flush(in, image_stride);
      continue;
    }
    const detail::ConvTaps t = detail::conv_taps(g, r0 + m);
    float* patch = border.patch[border.used];
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx)
        for (int ci = 0; ci < cs; ++ci) {
          const bool inside = ky >= t.ky_lo && ky < t.ky_hi && kx >= t.kx_lo && kx < t.kx_hi;
          patch[(ky * kw + kx) * cs + ci] =
              inside ? image[(static_cast<std::ptrdiff_t>(t.iy0 + ky) * g.W + t.ix0 + kx) * cs + ci] : 0.f;
        }
    border.px[border.used] = patch;
    border.rows[border.used++] = m;
    if (border.used == PX) flush(border, patch_stride);
  }
  flush(in, image_stride);
  flush(border, patch_stride);
}

// The block shape by N, as the GEMM's column blocks: 6x64, 8x48, 12x32, 12x16.
template <int KH, int KW, int C>
void conv_direct_zmm(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                     const EpilogueF32& ep) {
  const int panels = (b.N + P - 1) / P;
  switch (panels >= 4 ? 4 : panels) {
    case 4: conv_blocks<KH, KW, C, 6, 4>(image, g, r0, count, b, ep); break;
    case 3: conv_blocks<KH, KW, C, 8, 3>(image, g, r0, count, b, ep); break;
    case 2: conv_blocks<KH, KW, C, 12, 2>(image, g, r0, count, b, ep); break;
    default: conv_blocks<KH, KW, C, 12, 1>(image, g, r0, count, b, ep); break;
  }
}

}  // namespace

namespace detail {

// Column blocks of up to 4 panels (64 columns), each over all M rows (the block of B
// stays in cache while A streams); the tile height fills the registers.
void run_f32_avx512(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  assert(b.isa == Isa::avx512_vnni);
  if (f32_dot_form(b.K, b.N)) {
    dot_gemm(M, a, lda, b, ep);
    clean_high_zmm();
    return;
  }
  for (int n0 = 0; n0 < b.N; n0 += 4 * P) {
    const int panels = (b.N - n0 + P - 1) / P;
    switch (panels >= 4 ? 4 : panels) {
      case 4: column_block<6, 4>(M, n0, a, lda, b, ep); break;
      case 3: column_block<8, 3>(M, n0, a, lda, b, ep); break;
      case 2: column_block<12, 2>(M, n0, a, lda, b, ep); break;
      default: column_block<12, 1>(M, n0, a, lda, b, ep); break;
    }
  }
  clean_high_zmm();
}

// Unrolled for the first convs of the networks here, 3x3 over 1 (MNIST) or 3 (RGB)
// channels; runtime loops for any other geometry.
void conv_direct_f32_avx512(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                            const EpilogueF32& ep) {
  assert(b.isa == Isa::avx512_vnni && g.k() <= kMaxDirectConvK && g.k() == b.K);
  if (g.kh == 3 && g.kw == 3 && g.C == 1) {
    conv_direct_zmm<3, 3, 1>(image, g, r0, count, b, ep);
  } else if (g.kh == 3 && g.kw == 3 && g.C == 3) {
    conv_direct_zmm<3, 3, 3>(image, g, r0, count, b, ep);
  } else {
    conv_direct_zmm<0, 0, 0>(image, g, r0, count, b, ep);
  }
  clean_high_zmm();
}

}  // namespace detail
}  // namespace ttq::kernels
