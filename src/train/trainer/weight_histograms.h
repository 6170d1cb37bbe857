// Weight distributions for reports: each layer's latent fp32 weights, and the
// weights it computes with (its quantizer's output) when it has a quantizer.
#pragma once

#include <nlohmann/json.hpp>

namespace ttq::train {

class Network;

// One entry per conv/linear layer, in forward order:
//   {"name", "quantized": bool,
//    "latent": {"lo", "hi", "counts": [bins]},           // equal-width bins over [lo, hi]
//    "effective": {"values": [...], "counts": [...]}     // distinct values (<= 16), or
//    "effective": {"lo", "hi", "counts": [bins]}}         // bins when there are more
nlohmann::json weight_histograms(Network& net, int bins = 48);

}  // namespace ttq::train
