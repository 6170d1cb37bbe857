#include "train/trainer/model_size.h"

#include <set>

#include "train/models/network.h"
#include "train/models/quant_layers.h"

namespace ttq::train {

nlohmann::json SizeReport::to_json() const {
  return {{"params", params},         {"quantized_params", quantized_params}, {"sparsity", sparsity()},
          {"fp32_bytes", fp32_bytes}, {"ternary_bytes", ternary_bytes}};
}

SizeReport size_report(Network& net) {
  torch::NoGradGuard no_grad;
  SizeReport r;
  std::set<const void*> quantized_weights;
  for (const auto& l : quantizable_layers(net)) {
    if (!l.layer->quantizer()) continue;
    const int64_t n = l.layer->weight.numel();
    r.quantized_params += n;
    r.ternary_bytes += (n + 3) / 4 + 8;
    r.zero_weights += (l.layer->effective_weight() == 0).sum().item<int64_t>();
    quantized_weights.insert(l.layer->weight.unsafeGetTensorImpl());
  }
  for (const auto& p : net.named_parameters()) {
    if (p.key().find("quant.") != std::string::npos) continue;  // Wp, Wn: counted above
    r.params += p.value().numel();
    if (!quantized_weights.count(p.value().unsafeGetTensorImpl())) r.ternary_bytes += 4 * p.value().numel();
  }
  r.fp32_bytes = 4 * r.params;
  return r;
}

}  // namespace ttq::train
