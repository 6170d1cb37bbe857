#include "train/trainer/model_size.h"

#include <set>

#include "train/models/network.h"
#include "train/models/quant_layers.h"

namespace ttq::train {

nlohmann::json SizeReport::to_json() const {
  nlohmann::json j = {{"params", params},         {"quantized_params", quantized_params}, {"sparsity", sparsity()},
                      {"fp32_bytes", fp32_bytes}, {"packed_bytes", packed_bytes},         {"bits_per_weight", bits_per_weight()}};
  if (ternary) j["ternary_bytes"] = packed_bytes;  // the name earlier results use
  return j;
}

SizeReport size_report(Network& net) {
  torch::NoGradGuard no_grad;
  SizeReport r;
  std::set<const void*> quantized_weights;
  bool all_ternary = true;
  for (const auto& l : quantizable_layers(net)) {
    if (!l.layer->quantizer()) continue;
    const int64_t n = l.layer->weight.numel();
    r.quantized_params += n;
    const auto& q = l.layer->quantizer();
    r.packed_bytes += q->packed_bytes(l.layer->weight);
    r.quantized_bits += q->bits_per_weight() * double(n);
    all_ternary = all_ternary && (q->kind() == "ttq" || q->kind() == "twn");
    r.zero_weights += (l.layer->effective_weight() == 0).sum().item<int64_t>();
    quantized_weights.insert(l.layer->weight.unsafeGetTensorImpl());
  }
  for (const auto& p : net.named_parameters()) {
    if (p.key().find("quant.") != std::string::npos) continue;  // Wp, Wn: counted above
    r.params += p.value().numel();
    if (!quantized_weights.count(p.value().unsafeGetTensorImpl())) r.packed_bytes += 4 * p.value().numel();
  }
  r.fp32_bytes = 4 * r.params;
  r.ternary = r.quantized_params > 0 && all_ternary;
  return r;
}

}  // namespace ttq::train
