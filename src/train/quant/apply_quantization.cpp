#include "train/quant/apply_quantization.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "common/error.h"

namespace ttq::train {

std::vector<NamedLayer> select_layers(torch::nn::Module& model, const QuantSelection& sel) {
  const std::vector<NamedLayer> layers = quantizable_layers(model);

  std::set<std::string> excluded(sel.exclude.begin(), sel.exclude.end());
  for (const std::string& name : excluded) {
    const bool found = std::any_of(layers.begin(), layers.end(), [&](const NamedLayer& l) { return l.name == name; });
    if (!found) {
      std::string known;
      for (size_t i = 0; i < layers.size() && i < 12; ++i) known += (i ? ", " : "") + layers[i].name;
      if (layers.size() > 12) known += ", ...";
      throw ArgumentError("cannot exclude layer '" + name + "' from quantization: the model has no such layer",
                          "quantizable layers are: " + (known.empty() ? std::string("(none)") : known));
    }
  }

  const auto first = std::find_if(layers.begin(), layers.end(), [](const NamedLayer& l) { return l.layer->is_conv(); });
  const NamedLayer* first_conv = first == layers.end() ? nullptr : &*first;
  // The "last FC" is the classifier, the last layer whatever its kind: SqueezeNet's is a
  // 1x1 conv, and it stays fp32 like every other model's classifier.
  const NamedLayer* last_fc = layers.empty() ? nullptr : &layers.back();

  std::vector<NamedLayer> out;
  for (const NamedLayer& l : layers) {
    if (&l == first_conv && !sel.quantize_first_conv) continue;
    if (&l == last_fc && !sel.quantize_last_fc) continue;
    if (excluded.count(l.name)) continue;
    out.push_back(l);
  }
  return out;
}

std::vector<std::string> attach_quantizers(torch::nn::Module& model, const QuantSelection& sel,
                                           const QuantizerFactory& make) {
  std::vector<std::string> names;
  for (const NamedLayer& l : select_layers(model, sel)) {
    std::shared_ptr<WeightQuantizerImpl> q = make(l);
    if (!q) continue;
    l.layer->set_quantizer(std::move(q));
    names.push_back(l.name);
  }
  return names;
}

std::vector<std::string> attach_ttq(torch::nn::Module& model, const QuantSelection& sel, const TTQOptions& options) {
  validate(options.threshold);  // fail before touching any layer
  return attach_quantizers(model, sel, [&](const NamedLayer& l) {
    return std::make_shared<TTQQuantizerImpl>(options, l.layer->weight);
  });
}

void constrain_quantizers(torch::nn::Module& model) {
  for (const NamedLayer& l : quantizable_layers(model))
    if (l.layer->quantizer()) l.layer->quantizer()->constrain();
}

void scale_latent_gradients(torch::nn::Module& model, double factor) {
  torch::NoGradGuard no_grad;
  for (const NamedLayer& l : quantizable_layers(model)) {
    torch::Tensor grad = l.layer->weight.grad();
    if (l.layer->quantizer() && grad.defined()) grad.mul_(factor);
  }
}

}  // namespace ttq::train
