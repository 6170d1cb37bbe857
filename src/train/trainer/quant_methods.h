// The --quant methods besides TTQ (docs/DESIGN.md §3). attach_quantization() asks each
// family in turn; a family returns std::nullopt for a method that is not its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "train/quant/apply_quantization.h"
#include "train/trainer/train_config.h"

namespace ttq::train {

// Quantization-aware baselines: twn, bwn, dorefa, int8-qat.
std::optional<std::vector<std::string>> attach_qat_baseline(torch::nn::Module& net, const QuantSelection& selection,
                                                            const QuantConfig& quant);

// Deep Compression's training stages: prune (magnitude mask), kmeans (shared weights).
std::optional<std::vector<std::string>> attach_compression_method(torch::nn::Module& net,
                                                                  const QuantSelection& selection,
                                                                  const QuantConfig& quant);

}  // namespace ttq::train
