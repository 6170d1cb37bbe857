// INT8 quantization-aware training, weights: symmetric fake-quant per output channel
// (as PyTorch's default QAT qconfig for conv/linear weights, with the range −127..127):
//   s_c = max|w_c| / 127,   w_q = s_c · clamp(round(w / s_c), −127, 127).
// Gradient: straight through where the code is inside [−127, 127], zero where the
// clamp saturates (never, while s_c comes from the channel's own max; the mask is
// kept so the rule is the standard clipped STE). s_c is a constant for the gradient.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// s_c per output channel, shape [out_channels] (detached; an all-zero channel gets
// a tiny positive scale so its codes are 0 rather than 0/0).
torch::Tensor int8_channel_scale(const torch::Tensor& latent);

// s_c · clamp(round(w / s_c), −127, 127) with the gradient above, for given scales.
torch::Tensor fake_quant_int8_per_channel(const torch::Tensor& latent, const torch::Tensor& scale);

class Int8WeightFakeQuantImpl : public WeightQuantizerImpl {
 public:
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "int8-qat"; }
  double bits_per_weight() const override { return 8.0; }
  // int8 codes plus one fp32 scale per output channel.
  int64_t packed_bytes(const torch::Tensor& latent) override;
  // scale_min, scale_max, channels, sparsity (codes that are 0).
  nlohmann::json stats(const torch::Tensor& latent) override;
};
TORCH_MODULE(Int8WeightFakeQuant);

}  // namespace ttq::train
