// im2col for NHWC tensors: turns a convolution into the GEMMs of this layer.
// One image [H, W, C] -> rows (oy, ox) of K = kh * kw * Cg values in (ky, kx, c) order,
// i.e. row-major K index = (ky * kw + kx) * Cg + c, which is how conv weights
// [kh, kw, Cg, C_out] flatten to the K x N matrix. Padding positions are 0 (the
// zero point of u8 post-ReLU activations, and 0.f for fp32), or a u8 input's zero point.
#pragma once

#include <cstdint>

namespace ttq::kernels {

struct ConvGeometry {
  int H = 0, W = 0, C = 0;  // input image; C = channels of a pixel in memory (all groups)
  int kh = 1, kw = 1;       // kernel
  int sh = 1, sw = 1;       // stride
  int ph = 0, pw = 0;       // zero padding
  int out_h() const { return (H + 2 * ph - kh) / sh + 1; }
  int out_w() const { return (W + 2 * pw - kw) / sw + 1; }
  int k() const { return kh * kw * C; }  // K of an ungrouped convolution
  int rows() const { return out_h() * out_w(); }
};

// Throws ShapeError if the geometry is empty or the kernel does not fit the padded input.
void check_conv_geometry(const ConvGeometry& g);

// The whole image: rows() rows of k() values, row stride ldo >= k() (extra columns untouched).
void im2col_u8_nhwc(const uint8_t* in, const ConvGeometry& g, uint8_t* out, int ldo);
void im2col_f32_nhwc(const float* in, const ConvGeometry& g, float* out, int ldo);

// Rows [r0, r0 + count) of one group's matrix: channels [c0, c0 + cg) of each tap,
// K = kh * kw * cg. This is what the runtime calls per GEMM task; the geometry is
// trusted (checked once when the plan is compiled), so nothing here throws.
// u8: padding taps hold `pad` (the input's zero point; 0 for post-ReLU activations).
void im2col_rows_u8(const uint8_t* in, const ConvGeometry& g, int c0, int cg, int r0, int count, uint8_t* out,
                    int ldo, uint8_t pad = 0);
void im2col_rows_f32(const float* in, const ConvGeometry& g, int c0, int cg, int r0, int count, float* out, int ldo);

}  // namespace ttq::kernels
