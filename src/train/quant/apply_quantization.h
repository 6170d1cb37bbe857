// Which layers of a model get a weight quantizer (docs/DESIGN.md §2.6),
// shared by TTQ and the survey baselines (TWN, binary, DoReFa, INT8 QAT).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/models/quant_layers.h"
#include "train/quant/ttq_quantizer.h"

namespace ttq::train {

// By default every QConv2d and QLinear is quantized except the first conv and the
// last FC ("first" and "last" in registration order, which is forward order in the
// model zoo; the first conv is the first QConv2d, the "last FC" the last layer, the
// classifier, which is a 1x1 QConv2d in SqueezeNet).
struct QuantSelection {
  bool quantize_first_conv = false;
  bool quantize_last_fc = false;       // the authors' CIFAR code quantized it
  std::vector<std::string> exclude;    // dotted layer names ("layer1.0.conv1") kept fp32
};

// The layers the selection picks, in registration order. Throws ArgumentError for
// an exclude name that matches no layer (a typo would otherwise go unnoticed).
std::vector<NamedLayer> select_layers(torch::nn::Module& model, const QuantSelection& selection);

// Attaches make(layer) to every selected layer (replacing any quantizer it had) and
// returns their names. A factory may return nullptr to leave a layer as it is; that
// layer is then not in the returned list.
using QuantizerFactory = std::function<std::shared_ptr<WeightQuantizerImpl>(const NamedLayer&)>;
std::vector<std::string> attach_quantizers(torch::nn::Module& model, const QuantSelection& selection,
                                           const QuantizerFactory& make);

// attach_quantizers with one TTQQuantizer per layer, built from the layer's current weight.
std::vector<std::string> attach_ttq(torch::nn::Module& model, const QuantSelection& selection,
                                    const TTQOptions& options);

// Calls constrain() on every attached quantizer; the trainer does this after each optimizer step.
void constrain_quantizers(torch::nn::Module& model);

// Multiplies the gradient of every quantized layer's latent weight by `factor` (the
// quantizers' own parameters, Wp/Wn, keep theirs). An experiment on BatchNorm scale
// invariance: with ±Wp ≈ ±1, TTQ's latent weights get gradients about 1/alpha of TWN's.
void scale_latent_gradients(torch::nn::Module& model, double factor);

}  // namespace ttq::train
