// im2col for NHWC tensors: turns a convolution into the GEMMs of this layer.
// One image [H, W, C] -> rows (oy, ox) of K = kh * kw * C values in (ky, kx, c) order,
// i.e. row-major K index = (ky * kw + kx) * C + c, which is how conv weights
// [kh, kw, C_in, C_out] flatten to the K x N matrix. Padding positions are 0 (the
// zero point of u8 post-ReLU activations, and 0.f for fp32).
#pragma once

#include <cstdint>

namespace ttq::kernels {

struct ConvGeometry {
  int H = 0, W = 0, C = 0;  // input image
  int kh = 1, kw = 1;       // kernel
  int stride = 1, pad = 0;  // same in both directions
  int out_h() const { return (H + 2 * pad - kh) / stride + 1; }
  int out_w() const { return (W + 2 * pad - kw) / stride + 1; }
  int k() const { return kh * kw * C; }
  int rows() const { return out_h() * out_w(); }
};

// Throws ShapeError if the geometry is empty or the kernel does not fit the padded input.
void check_conv_geometry(const ConvGeometry& g);

// out: rows() rows of k() values, row stride ldo >= k() (extra columns untouched).
void im2col_u8_nhwc(const uint8_t* in, const ConvGeometry& g, uint8_t* out, int ldo);
void im2col_f32_nhwc(const float* in, const ConvGeometry& g, float* out, int ldo);

}  // namespace ttq::kernels
