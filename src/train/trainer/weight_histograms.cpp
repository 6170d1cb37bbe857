#include "train/trainer/weight_histograms.h"

#include "train/models/network.h"
#include "train/models/quant_layers.h"

namespace ttq::train {
namespace {

nlohmann::json binned(const torch::Tensor& w, int bins) {
  const auto flat = w.detach().to(torch::kCPU, torch::kFloat64).flatten();
  const double lo = flat.min().item<double>(), hi = flat.max().item<double>();
  // histc needs hi > lo; a constant tensor goes into one bin.
  const auto counts = torch::histc(flat, bins, lo, hi > lo ? hi : lo + 1.0).to(torch::kInt64);
  return {{"lo", lo}, {"hi", hi}, {"counts", std::vector<int64_t>(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + bins)}};
}

nlohmann::json distinct_or_binned(const torch::Tensor& w, int bins) {
  const auto flat = w.detach().to(torch::kCPU, torch::kFloat64).flatten();
  const auto [values, inverse, counts] = torch::_unique2(flat, /*sorted=*/true, false, /*return_counts=*/true);
  if (values.numel() > 16) return binned(flat, bins);
  const auto c = counts.to(torch::kInt64);
  return {{"values", std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel())},
          {"counts", std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel())}};
}

}  // namespace

nlohmann::json weight_histograms(Network& net, int bins) {
  torch::NoGradGuard no_grad;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : quantizable_layers(net)) {
    const bool quantized = bool(l.layer->quantizer());
    nlohmann::json entry = {{"name", l.name}, {"quantized", quantized}, {"latent", binned(l.layer->weight, bins)}};
    if (quantized) entry["effective"] = distinct_or_binned(l.layer->effective_weight(), bins);
    out.push_back(entry);
  }
  return out;
}

}  // namespace ttq::train
