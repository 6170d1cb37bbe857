// im2col for NHWC: each (ky, kx) tap copies C contiguous channels (memcpy), or zeros.
#include "kernels/im2col.h"

#include <cstddef>
#include <cstring>
#include <string>

#include "common/error.h"

namespace ttq::kernels {

void check_conv_geometry(const ConvGeometry& g) {
  const bool bad = g.H < 1 || g.W < 1 || g.C < 1 || g.kh < 1 || g.kw < 1 || g.stride < 1 || g.pad < 0 ||
                   g.H + 2 * g.pad < g.kh || g.W + 2 * g.pad < g.kw;
  if (bad) {
    throw ShapeError("convolution geometry does not fit: input " + std::to_string(g.H) + "x" +
                         std::to_string(g.W) + "x" + std::to_string(g.C) + ", kernel " + std::to_string(g.kh) +
                         "x" + std::to_string(g.kw) + ", stride " + std::to_string(g.stride) + ", pad " +
                         std::to_string(g.pad),
                     "sizes and stride must be >= 1, pad >= 0, and the kernel must fit the padded input");
  }
}

namespace {
template <class T>
void im2col_nhwc(const T* in, const ConvGeometry& g, T* out, int ldo) {
  check_conv_geometry(g);
  const int oh = g.out_h(), ow = g.out_w();
  const size_t tap_bytes = sizeof(T) * g.C;
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      T* row = out + (static_cast<std::ptrdiff_t>(oy) * ow + ox) * ldo;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int iy = oy * g.stride - g.pad + ky;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int ix = ox * g.stride - g.pad + kx;
          T* dst = row + (static_cast<std::ptrdiff_t>(ky) * g.kw + kx) * g.C;
          if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) {
            std::memset(dst, 0, tap_bytes);
          } else {
            std::memcpy(dst, in + (static_cast<std::ptrdiff_t>(iy) * g.W + ix) * g.C, tap_bytes);
          }
        }
      }
    }
  }
}
}  // namespace

void im2col_u8_nhwc(const uint8_t* in, const ConvGeometry& g, uint8_t* out, int ldo) {
  im2col_nhwc(in, g, out, ldo);
}
void im2col_f32_nhwc(const float* in, const ConvGeometry& g, float* out, int ldo) {
  im2col_nhwc(in, g, out, ldo);
}

}  // namespace ttq::kernels
