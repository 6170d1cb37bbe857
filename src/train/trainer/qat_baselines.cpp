// --quant twn | bwn | dorefa | int8-qat: which quantizers each method attaches.
// Everything here is attached from the config alone (no data), so load_network()
// rebuilds the same parameters and buffers before it loads a checkpoint.
#include <memory>

#include "common/error.h"
#include "train/quant/baselines/binary_weight_quantizer.h"
#include "train/quant/baselines/dorefa_activation_quantizer.h"
#include "train/quant/baselines/dorefa_weight_quantizer.h"
#include "train/quant/baselines/int8_activation_fake_quant.h"
#include "train/quant/baselines/int8_weight_fake_quant.h"
#include "train/quant/baselines/twn_quantizer.h"
#include "train/trainer/quant_methods.h"

namespace ttq::train {
namespace {

using ActivationFactory = std::function<std::shared_ptr<ActivationQuantizerImpl>()>;

// The weight quantizers of every selected layer, then (when make_act is set) an
// input quantizer on the same layers.
std::vector<std::string> attach(torch::nn::Module& net, const QuantSelection& sel, const QuantizerFactory& make_weight,
                                const ActivationFactory& make_act) {
  const std::vector<std::string> names = attach_quantizers(net, sel, make_weight);
  if (make_act) {
    for (const NamedLayer& l : select_layers(net, sel))
      l.layer->set_input_quantizer(make_act());
  }
  return names;
}

void require_fp32_activations(const QuantConfig& q) {
  if (q.act_bits != 0)
    throw ArgumentError("--quant " + q.method + " quantizes weights only, but --act-bits " + std::to_string(q.act_bits) +
                            " was given",
                        "drop --act-bits, or use --quant dorefa or int8-qat for quantized activations");
}

}  // namespace

std::optional<std::vector<std::string>> attach_qat_baseline(torch::nn::Module& net, const QuantSelection& sel,
                                                            const QuantConfig& q) {
  if (q.act_bits < 0)
    throw ArgumentError("--act-bits must be >= 0", "0 keeps activations fp32");
  if (q.method == "twn") {
    require_fp32_activations(q);
    return attach(net, sel, [](const NamedLayer&) { return std::make_shared<TWNQuantizerImpl>(); }, nullptr);
  }
  if (q.method == "bwn") {
    require_fp32_activations(q);
    return attach(net, sel, [](const NamedLayer&) { return std::make_shared<BinaryWeightQuantizerImpl>(); }, nullptr);
  }
  if (q.method == "dorefa") {
    validate_dorefa_bits(q.weight_bits, "--weight-bits");  // before any layer is touched
    if (q.act_bits > 0) validate_dorefa_bits(q.act_bits, "--act-bits");
    const int wb = q.weight_bits, ab = q.act_bits;
    ActivationFactory act;
    if (ab > 0) act = [ab] { return std::make_shared<DoReFaActivationQuantizerImpl>(ab); };
    return attach(net, sel, [wb](const NamedLayer&) { return std::make_shared<DoReFaWeightQuantizerImpl>(wb); }, act);
  }
  if (q.method == "int8-qat") {
    // Weights are always 8-bit here (--weight-bits is DoReFa's and k-means'); the
    // activations are 8-bit or fp32.
    if (q.act_bits != 0 && q.act_bits != 8)
      throw ArgumentError("--quant int8-qat takes --act-bits 8 or 0, not " + std::to_string(q.act_bits),
                          "for other activation widths use --quant dorefa");
    ActivationFactory act;
    if (q.act_bits == 8) act = [] { return std::make_shared<Int8ActivationFakeQuantImpl>(8); };
    return attach(net, sel, [](const NamedLayer&) { return std::make_shared<Int8WeightFakeQuantImpl>(); }, act);
  }
  return std::nullopt;
}

}  // namespace ttq::train
