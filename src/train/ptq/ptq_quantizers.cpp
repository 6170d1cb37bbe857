#include "train/ptq/ptq_quantizers.h"

#include <torch/torch.h>

#include <limits>

namespace ttq::train {

torch::Tensor Int8WeightQuantizerImpl::forward(const torch::Tensor& latent) {
  return int8_fake_quant(latent, int8_params(latent, scheme), scheme.symmetric);
}

int64_t Int8WeightQuantizerImpl::packed_bytes(const torch::Tensor& latent) {
  const int64_t groups = scheme.per_channel && latent.dim() >= 1 ? latent.size(0) : 1;
  return latent.numel() + groups * (scheme.symmetric ? 4 : 5);
}

torch::Tensor Fp16WeightQuantizerImpl::forward(const torch::Tensor& latent) {
  torch::NoGradGuard no_grad;
  return fp16_round(latent.detach());
}

PtqInputQuantizerImpl::PtqInputQuantizerImpl(ActivationFormat f, bool sym) : format(f), symmetric(sym) {
  min = register_buffer("min", torch::full({}, std::numeric_limits<float>::infinity()));
  max = register_buffer("max", torch::full({}, -std::numeric_limits<float>::infinity()));
}

std::string PtqInputQuantizerImpl::kind() const {
  switch (format) {
    case ActivationFormat::int8: return "int8-ptq";
    case ActivationFormat::fp16: return "fp16";
    default: return "fp32";
  }
}

Int8Params PtqInputQuantizerImpl::params() const { return int8_params_from_range(min, max, symmetric); }

torch::Tensor PtqInputQuantizerImpl::forward(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  torch::Tensor y = x;
  if (mode == Mode::observe) {
    min.copy_(torch::minimum(min, x.detach().min().to(min.device())));
    max.copy_(torch::maximum(max, x.detach().max().to(max.device())));
  } else if (format == ActivationFormat::int8) {
    y = int8_fake_quant(x, params(), symmetric);
  } else if (format == ActivationFormat::fp16) {
    y = fp16_round(x.detach());
  }
  if (record) recorded = y.detach().clone();
  return y;
}

}  // namespace ttq::train
