// INT8 quantization-aware training, input activations: asymmetric fake-quant per
// tensor with a range tracked as an exponential moving average (PyTorch's
// MovingAverageMinMaxObserver + FakeQuantize, quint8 0..255):
//   training:  on the first batch min/max = the batch's; then
//              running = (1 − c)·running + c·batch  (c = momentum, 0.01 by default),
//              updated before the batch is quantized; eval: frozen.
//   range      lo = min(running_min, 0), hi = max(running_max, 0)  (0 exactly representable)
//   s = (hi − lo) / (2^b − 1),   z = clamp(round(−lo / s), 0, 2^b − 1)
//   x_q = s · (clamp(round(x / s) + z, 0, 2^b − 1) − z)
// Gradient: straight through where round(x / s) + z is inside [0, 2^b − 1], zero
// where the clamp saturates. Before any training batch the layer passes x unchanged.
// running_min, running_max and initialized are buffers, so they live in checkpoints.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// x_q for a given range (0-d or [1] tensors lo ≤ 0 ≤ hi), with the gradient above.
torch::Tensor fake_quant_asymmetric(const torch::Tensor& x, const torch::Tensor& lo, const torch::Tensor& hi, int bits);

class Int8ActivationFakeQuantImpl : public ActivationQuantizerImpl {
 public:
  // ArgumentError unless 2 ≤ bits ≤ 16 and 0 < momentum ≤ 1.
  explicit Int8ActivationFakeQuantImpl(int bits = 8, double momentum = 0.01);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::string kind() const override { return "int8-qat"; }

  torch::Tensor running_min, running_max;  // shape [1]
  torch::Tensor initialized;               // shape [1]: 0 until the first training batch, then 1

 private:
  int bits_;
  double momentum_;
};
TORCH_MODULE(Int8ActivationFakeQuant);

}  // namespace ttq::train
