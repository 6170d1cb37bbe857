// im2col for NHWC. Each kernel row (ky) of an output pixel is one run of kw * C
// contiguous input values when the convolution is not grouped, else kw runs of cg.
// Runs are short (48 bytes for 3x3 over 16 u8 channels) and libc's memcpy call
// cost more than the copy, so runs move in inlined 16-byte chunks.
#include "kernels/im2col.h"

#include <cstddef>
#include <cstring>
#include <string>

#include "common/error.h"

namespace ttq::kernels {

void check_conv_geometry(const ConvGeometry& g) {
  const bool bad = g.H < 1 || g.W < 1 || g.C < 1 || g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.ph < 0 ||
                   g.pw < 0 || g.H + 2 * g.ph < g.kh || g.W + 2 * g.pw < g.kw;
  if (bad) {
    throw ShapeError("convolution geometry does not fit: input " + std::to_string(g.H) + "x" + std::to_string(g.W) +
                         "x" + std::to_string(g.C) + ", kernel " + std::to_string(g.kh) + "x" + std::to_string(g.kw) +
                         ", stride " + std::to_string(g.sh) + "x" + std::to_string(g.sw) + ", pad " +
                         std::to_string(g.ph) + "x" + std::to_string(g.pw),
                     "sizes and stride must be >= 1, pad >= 0, and the kernel must fit the padded input");
  }
}

namespace {

constexpr size_t kChunk = 16;

inline void copy_run(void* dst, const void* src, size_t bytes) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (; bytes >= kChunk; bytes -= kChunk, d += kChunk, s += kChunk) std::memcpy(d, s, kChunk);
  for (; bytes > 0; --bytes) *d++ = *s++;
}

// Padding: `pad` in every byte (0 for f32 zeros; a u8 input's zero point).
inline void pad_run(void* dst, size_t bytes, unsigned char pad) {
  auto* d = static_cast<unsigned char*>(dst);
  for (; bytes >= kChunk; bytes -= kChunk, d += kChunk) std::memset(d, pad, kChunk);
  for (; bytes > 0; --bytes) *d++ = pad;
}

// RUN: bytes of one kernel row's taps (kw * cg * sizeof(T)) when known at compile
// time, which turns the copy of an interior row into a few straight vector moves;
// 0 for any other size.
template <class T, size_t RUN>
void im2col_rows(const T* in, const ConvGeometry& g, int c0, int cg, int r0, int count, T* out, int ldo,
                 unsigned char pad) {
  const int ow = g.out_w();
  const bool grouped = cg != g.C;
  const size_t tap = sizeof(T) * cg;
  const size_t run = RUN ? RUN : tap * g.kw;
  int oy = r0 / ow, ox = r0 % ow;
  for (int r = 0; r < count; ++r) {
    T* dst = out + static_cast<std::ptrdiff_t>(r) * ldo;
    const int ix0 = ox * g.sw - g.pw;
    const int kx_lo = ix0 < 0 ? -ix0 : 0;
    const int kx_hi = g.W - ix0 < g.kw ? g.W - ix0 : g.kw;
    const bool full_width = !grouped && kx_lo == 0 && kx_hi == g.kw;
    for (int ky = 0; ky < g.kh; ++ky, dst += static_cast<std::ptrdiff_t>(g.kw) * cg) {
      const int iy = oy * g.sh - g.ph + ky;
      if (iy < 0 || iy >= g.H || kx_lo >= kx_hi) {
        pad_run(dst, run, pad);
        continue;
      }
      const T* src = in + (static_cast<std::ptrdiff_t>(iy) * g.W + ix0 + kx_lo) * g.C + c0;
      if (full_width) {  // the common case: one run of kw * C values
        if constexpr (RUN != 0) {
          std::memcpy(dst, src, RUN);
        } else {
          copy_run(dst, src, run);
        }
        continue;
      }
      pad_run(dst, tap * kx_lo, pad);
      T* d = dst + static_cast<std::ptrdiff_t>(kx_lo) * cg;
      if (!grouped) {
        copy_run(d, src, tap * (kx_hi - kx_lo));
      } else {
        for (int kx = kx_lo; kx < kx_hi; ++kx, d += cg, src += g.C) copy_run(d, src, tap);
      }
      pad_run(dst + static_cast<std::ptrdiff_t>(kx_hi) * cg, tap * (g.kw - kx_hi), pad);
    }
    if (++ox == ow) ox = 0, ++oy;
  }
}

// The kernel-row sizes of 3x3 convolutions over 1 or 3 f32 channels (first layers), 7x7
// over 3 channels (an ImageNet stem, u8 and f32) and 3x3 over 16, 32 and 64 channels.
template <class T>
void im2col_rows_dispatch(const T* in, const ConvGeometry& g, int c0, int cg, int r0, int count, T* out, int ldo,
                          unsigned char pad = 0) {
  switch (cg != g.C ? 0 : sizeof(T) * g.kw * cg) {
    case 12: return im2col_rows<T, 12>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 21: return im2col_rows<T, 21>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 84: return im2col_rows<T, 84>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 36: return im2col_rows<T, 36>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 48: return im2col_rows<T, 48>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 96: return im2col_rows<T, 96>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 192: return im2col_rows<T, 192>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 384: return im2col_rows<T, 384>(in, g, c0, cg, r0, count, out, ldo, pad);
    case 768: return im2col_rows<T, 768>(in, g, c0, cg, r0, count, out, ldo, pad);
    default: return im2col_rows<T, 0>(in, g, c0, cg, r0, count, out, ldo, pad);
  }
}

}  // namespace

void im2col_rows_u8(const uint8_t* in, const ConvGeometry& g, int c0, int cg, int r0, int count, uint8_t* out,
                    int ldo, uint8_t pad) {
  im2col_rows_dispatch(in, g, c0, cg, r0, count, out, ldo, pad);
}
void im2col_rows_f32(const float* in, const ConvGeometry& g, int c0, int cg, int r0, int count, float* out, int ldo) {
  im2col_rows_dispatch(in, g, c0, cg, r0, count, out, ldo);
}

void im2col_u8_nhwc(const uint8_t* in, const ConvGeometry& g, uint8_t* out, int ldo) {
  check_conv_geometry(g);
  im2col_rows_dispatch(in, g, 0, g.C, 0, g.rows(), out, ldo);
}
void im2col_f32_nhwc(const float* in, const ConvGeometry& g, float* out, int ldo) {
  check_conv_geometry(g);
  im2col_rows_dispatch(in, g, 0, g.C, 0, g.rows(), out, ldo);
}

}  // namespace ttq::kernels
