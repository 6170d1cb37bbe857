#include "train/quant/baselines/int8_activation_fake_quant.h"

#include <torch/torch.h>

#include <cmath>

#include "common/error.h"
#include "train/quant/baselines/straight_through.h"

namespace ttq::train {

torch::Tensor fake_quant_asymmetric(const torch::Tensor& x, const torch::Tensor& lo_in, const torch::Tensor& hi_in,
                                    int bits) {
  TORCH_CHECK(bits >= 2 && bits <= 16, "fake_quant_asymmetric: bits out of range");
  torch::Tensor quantized, inside;
  {
    torch::NoGradGuard no_grad;
    const double qmax = double((1 << bits) - 1);
    const torch::Tensor zero = torch::zeros({}, x.options());
    const torch::Tensor lo = torch::minimum(lo_in.detach().reshape({}).to(x.scalar_type()), zero);
    const torch::Tensor hi = torch::maximum(hi_in.detach().reshape({}).to(x.scalar_type()), zero);
    // A range of width 0 (an all-zero input) would give 0/0; any positive scale maps 0 to 0.
    const torch::Tensor s = ((hi - lo) / qmax).clamp_min(1e-12);
    const torch::Tensor z = (-lo / s).round().clamp(0, qmax);
    const torch::Tensor codes = (x.detach() / s).round() + z;
    inside = (codes >= 0) & (codes <= qmax);
    quantized = (codes.clamp(0, qmax) - z) * s;
  }
  return straight_through(x, quantized, inside);
}

Int8ActivationFakeQuantImpl::Int8ActivationFakeQuantImpl(int bits, double momentum) : bits_(bits), momentum_(momentum) {
  if (bits < 2 || bits > 16)
    throw ArgumentError("activation fake-quant with " + std::to_string(bits) + " bits is not supported",
                        "use --act-bits 8 (or 0 to keep activations fp32)");
  if (!(momentum > 0.0 && momentum <= 1.0))
    throw ArgumentError("activation range momentum " + std::to_string(momentum) + " is outside (0, 1]",
                        "PyTorch's default is 0.01");
  running_min = register_buffer("running_min", torch::zeros({1}));
  running_max = register_buffer("running_max", torch::zeros({1}));
  initialized = register_buffer("initialized", torch::zeros({1}));
}

torch::Tensor Int8ActivationFakeQuantImpl::forward(const torch::Tensor& x) {
  if (is_training()) {
    torch::NoGradGuard no_grad;
    const torch::Tensor d = x.detach();
    const torch::Tensor batch_min = d.min().reshape({1}).to(running_min.scalar_type());
    const torch::Tensor batch_max = d.max().reshape({1}).to(running_max.scalar_type());
    const torch::Tensor first = initialized == 0;
    // Stays on the device: no host synchronisation per layer and step.
    running_min.copy_(torch::where(first, batch_min, running_min + momentum_ * (batch_min - running_min)));
    running_max.copy_(torch::where(first, batch_max, running_max + momentum_ * (batch_max - running_max)));
    initialized.fill_(1);
  }
  const torch::Tensor q = fake_quant_asymmetric(x, running_min, running_max, bits_);
  return torch::where(initialized.reshape({}) > 0, q, x);
}

}  // namespace ttq::train
