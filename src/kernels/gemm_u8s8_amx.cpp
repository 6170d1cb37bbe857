// AMX-INT8 u8 x s8 GEMM: tdpbusd on 16 x 16 int32 tiles (Sapphire Rapids and later).
// Built with -mamx-tile -mamx-int8 and the AVX-512 flags: the epilogue is the zmm one.
//
// A block of C is up to 32 rows x 32 columns = 2 x 2 tiles (tmm0-3). Per 64 k: 2 A tiles
// (16 rows x 64 bytes, tmm4/5), 2 B tiles (16 groups of 4 k x 16 columns, tmm6/7), 4
// tdpbusd. B is the zmm panel layout with K4 padded to a multiple of 16 (pack_u8s8_amx),
// so a B tile is 16 consecutive 64-byte rows of one panel (stride 64) and the last 64 k
// is zero padded. A is read in place with stride lda, except the last partial 64 k (copied
// into a zero-padded buffer: A is never read past a row's K bytes) and IndirectA rows
// (each 64 k of the block's rows gathered into a 32 x 64 buffer). M tails: the tile
// configuration gives the last block's tiles only the rows that exist. N tails: B panels
// are zero padded, the epilogue stops at N. C goes through a 32 x 32 int32 buffer to the
// same epilogue as the AVX-512 kernel, so outputs are bit-identical to the reference.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/epilogue_scalar.h"
#include "kernels/gemm_u8s8_impl.h"
#include "kernels/gemm_u8s8_zmm.h"

namespace ttq::kernels {
namespace {

constexpr int kTile = 16;          // rows of an A or C tile; columns of a B or C tile
constexpr int kChunk = 64;         // k per tdpbusd: bytes in a row of an A tile
constexpr int kBlock = 2 * kTile;  // rows and columns of a C block
constexpr int kBTileBytes = detail::kAmxGroups * kChunk;
static_assert(detail::kAmxGroups * 4 == kChunk && detail::kZmmPanel == kTile, "B tile = one panel, 64 k");

// ldtilecfg's 64-byte operand, palette 1.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64, "ldtilecfg reads 64 bytes");

// GCC 12's ldtilecfg and tileloadd wrappers do not declare the memory they read (the
// config operand is 8 bytes, a tile load has none), so stores just before them (the
// config, a padded or gathered A chunk) could be sunk past them or dropped as dead.
// This makes `p` escape and keeps every earlier store before the next tile instruction.
inline void stores_before_tiles(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

// Tiles: tmm 2i+j = C of row tile i and column tile j; tmm4/5 = A of row tile 0/1;
// tmm6/7 = B of column tile 0/1. Reconfigured only when a block's row count changes
// (ldtilecfg zeroes every tile, so never inside a K loop).
class TileShape {
 public:
  void set_rows(int rows) {
    const int r0 = std::min(rows, kTile), r1 = rows - r0;
    if (r0 == rows0_ && r1 == rows1_) return;
    rows0_ = r0;
    rows1_ = r1;
    TileConfig cfg;
    const int tile_rows[8] = {r0, r0, r1, r1, r0, r1, detail::kAmxGroups, detail::kAmxGroups};
    for (int t = 0; t < 8; ++t) {
      cfg.rows[t] = static_cast<uint8_t>(tile_rows[t]);
      cfg.colsb[t] = tile_rows[t] > 0 ? kChunk : 0;  // 16 int32 or 64 u8/s8: 64 bytes a row
    }
    stores_before_tiles(&cfg);
    _tile_loadconfig(&cfg);
  }

 private:
  int rows0_ = -1, rows1_ = -1;
};

// A of one block, 64 k at a time: in place, the last partial chunk from `tail`.
struct DenseChunks {
  const uint8_t* a;
  std::ptrdiff_t lda;
  int full;             // chunks entirely inside K
  const uint8_t* tail;  // kBlock x 64, zero padded past K
  const uint8_t* chunk(int c, std::ptrdiff_t* stride) const {
    if (c < full) {
      *stride = lda;
      return a + static_cast<std::ptrdiff_t>(c) * kChunk;
    }
    *stride = kChunk;
    return tail;
  }
};

// Mask of the first n bytes: a masked load reads only those (the others never fault) and
// zeroes the rest; a masked store writes only those.
inline __mmask64 first_bytes(int n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// IndirectA rows: each chunk's bytes [k0, k0 + 64) of the block's rows copied run by run
// into buf (stride 64, zero padded past K). L: every piece is L bytes, known at compile
// time: 16 or 32 (whole runs of 16 or 32 channels, ResNet-20's 3x3 taps) or 64 (part of
// a run of 64, 128, ... channels); 0: any seg_k, pieces copied with masked loads/stores.
template <int L>
struct GatherChunks {
  const IndirectA& a;
  std::ptrdiff_t m0;
  int rows, K;
  uint8_t* buf;
  const uint8_t* chunk(int c, std::ptrdiff_t* stride) const {
    // Locals: stores into buf could alias a's fields, which the compiler would reload.
    const uint8_t* const base = a.base;
    const uint8_t* const zeros = a.zeros;
    const int segments = a.segments, seg_k = a.seg_k;
    const int k0 = c * kChunk, used = std::min(kChunk, K - k0);
    const __m512i zero = _mm512_setzero_si512();
    const __mmask64 pad = ~first_bytes(used);
    struct Piece {
      int s, off, len, at;
    };
    Piece pieces[kChunk / 4];  // seg_k >= 4
    int n = 0;
    if constexpr (L == 0) {
      for (int k = k0; k < k0 + used; ++n) {
        const int s = k / seg_k, off = k - s * seg_k, len = std::min(seg_k - off, k0 + used - k);
        pieces[n] = {s, off, len, k - k0};
        k += len;
      }
    }
    for (int r = 0; r < rows; ++r) {
      uint8_t* d = buf + r * kChunk;
      const int32_t* offs = a.offsets + (m0 + r) * segments;
      auto run = [&](int s) { return offs[s] < 0 ? zeros : base + offs[s]; };
      if constexpr (L == 16 || L == 32) {
        const int s0 = k0 / L;
        for (int i = 0; i < used / L; ++i) std::memcpy(d + i * L, run(s0 + i), L);
      } else if constexpr (L == kChunk) {
        std::memcpy(d, run(k0 / seg_k) + k0 % seg_k, kChunk);
      } else {
        for (int i = 0; i < n; ++i) {
          const __mmask64 m = first_bytes(pieces[i].len);
          _mm512_mask_storeu_epi8(d + pieces[i].at, m, _mm512_maskz_loadu_epi8(m, run(pieces[i].s) + pieces[i].off));
        }
      }
      if (pad != 0) _mm512_mask_storeu_epi8(d, pad, zero);
    }
    stores_before_tiles(buf);
    *stride = kChunk;
    return buf;
  }
};

// The K loop of one block of MT x NT tiles; C stored to c (kBlock x kBlock int32).
template <int MT, int NT, class Chunks>
__attribute__((noinline)) void accumulate(const Chunks& src, int chunks, const int8_t* b, std::ptrdiff_t panel_bytes,
                                          int32_t* c) {
  _tile_zero(0);
  if constexpr (NT == 2) _tile_zero(1);
  if constexpr (MT == 2) _tile_zero(2);
  if constexpr (MT == 2 && NT == 2) _tile_zero(3);
  for (int k = 0; k < chunks; ++k) {
    std::ptrdiff_t stride;
    const uint8_t* a = src.chunk(k, &stride);
    const int8_t* bk = b + static_cast<std::ptrdiff_t>(k) * kBTileBytes;
    _tile_loadd(4, a, stride);
    _tile_loadd(6, bk, kChunk);
    _tile_dpbusd(0, 4, 6);
    if constexpr (NT == 2) {
      _tile_loadd(7, bk + panel_bytes, kChunk);
      _tile_dpbusd(1, 4, 7);
    }
    if constexpr (MT == 2) {
      _tile_loadd(5, a + kTile * stride, stride);
      _tile_dpbusd(2, 5, 6);
      if constexpr (NT == 2) _tile_dpbusd(3, 5, 7);
    }
  }
  constexpr std::ptrdiff_t ldc_bytes = kBlock * sizeof(int32_t);
  _tile_stored(0, c, ldc_bytes);
  if constexpr (NT == 2) _tile_stored(1, c + kTile, ldc_bytes);
  if constexpr (MT == 2) _tile_stored(2, c + kTile * kBlock, ldc_bytes);
  if constexpr (MT == 2 && NT == 2) _tile_stored(3, c + kTile * kBlock + kTile, ldc_bytes);
}

// Rows [m0, m0 + rows) (rows <= 32) for all columns, 32 at a time (16 for a last odd panel).
template <class Chunks>
void row_block(int m0, int rows, const Chunks& src, const PackedB& b, const Epilogue& ep) {
  const int N = b.N, chunks = (b.K + kChunk - 1) / kChunk;
  const std::ptrdiff_t panel_bytes = static_cast<std::ptrdiff_t>(chunks) * kBTileBytes;
  alignas(64) int32_t c[kBlock * kBlock];
  for (int n0 = 0; n0 < N; n0 += kBlock) {
    const int8_t* bp = b.data.data() + (n0 / kTile) * panel_bytes;
    const bool two_rows = rows > kTile, two_cols = N - n0 > kTile;
    if (two_rows) {
      two_cols ? accumulate<2, 2>(src, chunks, bp, panel_bytes, c) : accumulate<2, 1>(src, chunks, bp, panel_bytes, c);
    } else {
      two_cols ? accumulate<1, 2>(src, chunks, bp, panel_bytes, c) : accumulate<1, 1>(src, chunks, bp, panel_bytes, c);
    }
    with_epilogue_kind(ep, [&](auto kind) {
      for (int r = 0; r < rows; ++r) {
        const EpilogueRow out_row = epilogue_row(ep, m0 + r);
        for (int col = n0; col < N && col < n0 + kBlock; col += kTile) {
          const int32_t* cv = c + r * kBlock + (col - n0);
          if (col + kTile <= N) {
            epilogue_zmm<decltype(kind)>(out_row, col, _mm512_load_si512(cv));
          } else {
            for (int j = 0; col + j < N; ++j) epilogue_element(ep, m0 + r, col + j, cv[j]);
          }
        }
      }
    });
  }
}

template <int L>
void gather_gemm(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  alignas(64) uint8_t buf[kBlock * kChunk];
  TileShape shape;
  for (int m0 = 0; m0 < M; m0 += kBlock) {
    const int rows = std::min(kBlock, M - m0);
    shape.set_rows(rows);
    row_block(m0, rows, GatherChunks<L>{a, m0, rows, b.K, buf}, b, ep);
  }
}

}  // namespace

namespace detail {
void run_u8s8_amx_int8(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::amx_int8);
  const int full = b.K / kChunk, rest = b.K % kChunk;
  // The masked load reads only the row's last `rest` bytes (masked-off bytes never fault)
  // and the store writes the zero padding too.
  const __mmask64 rest_mask = first_bytes(rest);
  alignas(64) uint8_t tail[kBlock * kChunk];
  TileShape shape;
  for (int m0 = 0; m0 < M; m0 += kBlock) {
    const int rows = std::min(kBlock, M - m0);
    const uint8_t* a0 = a + static_cast<std::ptrdiff_t>(m0) * lda;
    if (rest > 0) {
      for (int r = 0; r < rows; ++r) {
        const uint8_t* src = a0 + static_cast<std::ptrdiff_t>(r) * lda + full * kChunk;
        _mm512_store_si512(tail + r * kChunk, _mm512_maskz_loadu_epi8(rest_mask, src));
      }
      stores_before_tiles(tail);
    }
    shape.set_rows(rows);
    row_block(m0, rows, DenseChunks{a0, lda, full, tail}, b, ep);
  }
  _tile_release();
  clean_high_zmm();
}

void run_u8s8_amx_int8_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::amx_int8 && a.segments * a.seg_k == b.K && a.seg_k % 4 == 0);
  if (a.seg_k == 16) {
    gather_gemm<16>(M, a, b, ep);
  } else if (a.seg_k == 32) {
    gather_gemm<32>(M, a, b, ep);
  } else if (a.seg_k % kChunk == 0) {
    gather_gemm<kChunk>(M, a, b, ep);
  } else {
    gather_gemm<0>(M, a, b, ep);
  }
  _tile_release();
  clean_high_zmm();
}
}  // namespace detail
}  // namespace ttq::kernels
