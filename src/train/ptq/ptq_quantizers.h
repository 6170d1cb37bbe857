// The quantizers post-training quantization attaches: INT8 and FP16 weights, and an
// input-activation quantizer calibrated by observing the training images.
#pragma once

#include <torch/nn/pimpl.h>

#include "train/ptq/int8_math.h"
#include "train/quant/weight_quantizer.h"

namespace ttq::train {

// INT8 weights, min-max of the weight itself (per tensor or per output channel).
class Int8WeightQuantizerImpl : public WeightQuantizerImpl {
 public:
  explicit Int8WeightQuantizerImpl(const Int8Scheme& scheme) : scheme(scheme) {}
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "int8-ptq"; }
  double bits_per_weight() const override { return 8.0; }
  // 1 byte a weight + an fp32 scale (and a u8 zero point when asymmetric) per tensor / channel.
  int64_t packed_bytes(const torch::Tensor& latent) override;
  Int8Scheme scheme;
};
TORCH_MODULE(Int8WeightQuantizer);

// Weights rounded through IEEE half precision.
class Fp16WeightQuantizerImpl : public WeightQuantizerImpl {
 public:
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "fp16"; }
  double bits_per_weight() const override { return 16.0; }
  int64_t packed_bytes(const torch::Tensor& latent) override { return 2 * latent.numel(); }
};
TORCH_MODULE(Fp16WeightQuantizer);

enum class ActivationFormat { fp32, int8, fp16 };

// A layer's input activations. Mode observe: passes x through and widens the running
// min/max (calibration). Mode quantize: per-tensor INT8 fake-quant with the observed
// range (fp16: rounding; fp32: identity). With `record` set it also keeps the last
// input it returned, so the PTQ driver can recompute the layer's output for its SQNR.
class PtqInputQuantizerImpl : public ActivationQuantizerImpl {
 public:
  enum class Mode { observe, quantize };
  PtqInputQuantizerImpl(ActivationFormat format, bool symmetric);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::string kind() const override;
  Int8Params params() const;  // from the observed range

  ActivationFormat format;
  bool symmetric;
  Mode mode = Mode::observe;
  bool record = false;
  torch::Tensor recorded;
  torch::Tensor min, max;  // buffers "min", "max": the observed range (+inf / -inf before any input)
};
TORCH_MODULE(PtqInputQuantizer);

}  // namespace ttq::train
