// INT8 quantization math (min-max calibration) and FP16 rounding, on torch tensors.
//   symmetric:  q = clamp(round(x / s), -127, 127),       s = max|x| / 127,  x' = q s
//   asymmetric: q = clamp(round(x / s) + z, 0, 255),      s = (max - min) / 255,
//               z = clamp(round(-min / s), 0, 255),       x' = (q - z) s
// The asymmetric range is widened to include 0, so 0 (padding, ReLU) is exact.
// Per-channel: one (s, z) per index of dim 0 (a conv's / linear's output channel).
#pragma once

#include <torch/types.h>

#include <string>

namespace ttq::train {

struct Int8Scheme {
  bool symmetric = true;
  bool per_channel = false;
  std::string name() const;  // "per-channel-sym", "per-tensor-asym", ...
};

struct Int8Params {
  torch::Tensor scale;       // float, [] per-tensor or [C] per-channel
  torch::Tensor zero_point;  // int64, same shape; 0 when symmetric
};

// From a range: min, max are tensors of the same shape (scalars or per channel).
Int8Params int8_params_from_range(const torch::Tensor& min, const torch::Tensor& max, bool symmetric);
// Min-max calibration of x (per channel along dim 0 when the scheme says so).
Int8Params int8_params(const torch::Tensor& x, const Int8Scheme& scheme);

torch::Tensor int8_quantize(const torch::Tensor& x, const Int8Params& p, bool symmetric);  // int64 codes
torch::Tensor int8_dequantize(const torch::Tensor& q, const Int8Params& p);
// quantize then dequantize (no gradient: post-training only)
torch::Tensor int8_fake_quant(const torch::Tensor& x, const Int8Params& p, bool symmetric);

// x rounded to the nearest IEEE half (round to nearest even), back in x's dtype.
torch::Tensor fp16_round(const torch::Tensor& x);

// Signal-to-quantization-noise ratio in dB: 10 log10(sum ref^2 / sum (ref - approx)^2);
// +infinity when approx == ref.
double sqnr_db(const torch::Tensor& ref, const torch::Tensor& approx);

}  // namespace ttq::train
