// The execution plan a model file compiles into (see compile_plan.cpp):
// values (activations) with their storage, and steps that run in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::runtime {

constexpr size_t kNoBuffer = static_cast<size_t>(-1);

// One activation. Stored NHWC; a value may be held as u8, as f32, or both,
// depending on what its consumers need.
struct Value {
  std::string name;
  int C = 0, H = 0, W = 0;  // one image
  // The NCHW shape this value's elements are ordered from: equals (C, H, W)
  // except after flatten, whose storage keeps the NHWC order of its input.
  int src_c = 0, src_h = 0, src_w = 0;
  bool nonneg = false;  // provably >= 0 (after relu, pools of such, ...)
  bool has_u8 = false, has_f32 = false;
  float scale = 0.f;  // u8: real value = (q - zero_point) * scale  (calibration / 255)
  // Nonzero only for a graph input read by an int8 first conv: normalized pixels are signed.
  uint8_t zero_point = 0;
  size_t off_u8 = kNoBuffer, off_f32 = kNoBuffer;  // per-image byte offsets in the arena
  int producer = -1;  // step index
  int last_use = -1;  // last step that reads it
  size_t elems() const { return static_cast<size_t>(C) * H * W; }
};

enum class StepKind { input, gemm, maxpool, avgpool, global_avgpool, add, relu, affine, copy, concat };
const char* step_kind_name(StepKind k);

// A conv2d or linear (linear = 1x1 conv on a 1x1 map) with folded BN and a fused epilogue.
struct GemmLayer {
  bool int8 = false;  // u8 x s8 kernels; else fp32
  int in_h = 1, in_w = 1, in_c = 0;    // input image as the GEMM sees it (linear: 1 x 1 x in_features)
  int out_h = 1, out_w = 1, out_c = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  int groups = 1, Cg = 0, Og = 0, K = 0;  // K = kh * kw * Cg
  bool direct = false;  // 1x1, stride 1, no padding: the input rows are the GEMM rows
  // Not direct, and the kernel reads each tap in the input image instead of an im2col
  // copy: int8 with Cg % 4 == 0 (run_indirect; tap_offsets[row * kh*kw + tap]: byte
  // offset of that tap's pixel in the input image, -1 in the padding; shared by the
  // layers of one geometry), or fp32 ungrouped with K <= kMaxDirectConvK (conv_direct:
  // an image network's first conv).
  bool indirect = false;
  bool im2col() const { return !direct && !indirect; }  // rows copied into scratch
  uint8_t pad_byte = 0;  // int8: the byte im2col writes for padding taps (the input's zero point)
  std::shared_ptr<const std::vector<int32_t>> tap_offsets;
  std::vector<float> scale, bias;  // [O]: y = acc * scale + bias
  bool relu = false;
  int residual = -1;  // value added before relu (read as f32), or -1
  // int8: the residual's factor in the epilogue, in the units of scale and bias: 1, or the
  // output's 1/scale where fold_output_scales folds it in (a u8-only output).
  float residual_scale = 1.f;
  // int8: one packed s8 matrix per group; the acc scale folds in weight unit and input scale.
  std::vector<kernels::PackedB> packed;
  const kernels::GemmU8S8Kernel* kernel = nullptr;
  // fp32: one packed K x Og matrix per group.
  std::vector<kernels::PackedBF32> packed_f32;
  const kernels::GemmF32Kernel* kernel_f32 = nullptr;
};

struct Step {
  StepKind kind = StepKind::copy;
  std::string label;  // node names it covers, for describe()
  std::vector<int> inputs;
  int output = -1;
  GemmLayer gemm;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;  // pools
  std::vector<float> ch_scale, ch_bias;                // affine (standalone batchnorm)
  bool relu = false;                                   // add / affine followed by a fused relu
};

struct Plan {
  std::vector<Value> values;
  std::vector<Step> steps;
  int input = -1, output = -1;
  size_t arena_bytes_per_image = 0;
  int max_rows = 192;                      // GEMM rows per task, at most
  size_t scratch_u8 = 0, scratch_f32 = 0;  // per worker, elements
  size_t zero_run = 0;                     // bytes of zeros the padding taps point to
};

}  // namespace ttq::runtime
