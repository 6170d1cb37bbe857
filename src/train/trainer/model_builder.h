// Builds the network a TrainConfig describes, with its quantizers attached.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "train/trainer/checkpoint.h"
#include "train/trainer/train_config.h"

namespace ttq::train {

class Network;

// The zoo model for cfg.model at this input shape and class count (no quantizers).
std::shared_ptr<Network> build_network(const TrainConfig& cfg, std::array<int64_t, 3> input_shape, int num_classes);
// Attaches cfg.quant's quantizers (none for "none"); returns the quantized layer names.
// "data" initialisation of the scales reads the current weights, so load fp32 weights first.
std::vector<std::string> attach_quantization(Network& net, const QuantConfig& quant);

// A trained network as its checkpoint describes it (model, quantizers, weights).
struct LoadedNetwork {
  std::shared_ptr<Network> net;
  CheckpointMeta meta;
  std::string path;  // the checkpoint file
};
LoadedNetwork load_network(const std::string& checkpoint_or_dir);

}  // namespace ttq::train
