#include "train/quant/baselines/dorefa_activation_quantizer.h"

#include <torch/torch.h>

#include "train/quant/baselines/dorefa_weight_quantizer.h"
#include "train/quant/baselines/straight_through.h"

namespace ttq::train {

torch::Tensor dorefa_quantize_activation(const torch::Tensor& x, int bits) {
  TORCH_CHECK(bits >= 1 && bits <= 16, "dorefa_quantize_activation: bits out of range");
  torch::Tensor quantized, inside;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor d = x.detach();
    const double n = double((1 << bits) - 1);
    quantized = (d.clamp(0, 1) * n).round() / n;
    inside = (d >= 0) & (d <= 1);
  }
  return straight_through(x, quantized, inside);
}

DoReFaActivationQuantizerImpl::DoReFaActivationQuantizerImpl(int bits) : bits_(bits) {
  validate_dorefa_bits(bits, "--act-bits");
}

}  // namespace ttq::train
