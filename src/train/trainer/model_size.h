// Real sizes of a model's parameters: fp32, and packed as each layer's quantizer
// stores it (TTQ: 2 bits per weight + fp32 Wp, Wn); everything else fp32.
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
  int64_t packed_bytes = 0;      // quantizers' packed_bytes() + 4 * other params
  double quantized_bits = 0;     // sum of bits over quantized weights
  bool ternary = false;          // every quantizer stores 2-bit ternary codes (TTQ, TWN)
  double sparsity() const { return quantized_params ? double(zero_weights) / quantized_params : 0.0; }
  // Mean bits per weight of the quantized layers (32 when none is quantized).
  double bits_per_weight() const { return quantized_params ? quantized_bits / quantized_params : 32.0; }
  nlohmann::json to_json() const;
};

SizeReport size_report(Network& net);

}  // namespace ttq::train
