// Real sizes of a model's parameters: fp32, and ternary as the model file stores
// it (2 bits per quantized weight + fp32 Wp, Wn; everything else fp32).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace ttq::train {

class Network;

struct SizeReport {
  int64_t params = 0;            // trainable parameters (latent weights, BN, biases; not Wp/Wn)
  int64_t quantized_params = 0;  // weights of quantized layers
  int64_t zero_weights = 0;      // quantized weights that are 0
  int64_t fp32_bytes = 0;        // params * 4
  int64_t ternary_bytes = 0;     // ceil(n/4) per quantized layer + 8 (Wp, Wn) + 4 * other params
  double sparsity() const { return quantized_params ? double(zero_weights) / quantized_params : 0.0; }
  nlohmann::json to_json() const;
};

SizeReport size_report(Network& net);

}  // namespace ttq::train
