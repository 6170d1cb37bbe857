// DenseNet-BC (Huang et al. 2017) with torchvision's module names.
#pragma once

#include <memory>

#include "train/models/network.h"

namespace ttq::train {

// torchvision densenet121: growth 32, blocks (6,12,24,16), 64 initial features.
// options.small_input: stem is a 3x3 stride-1 conv0 without pool0.
std::shared_ptr<Network> make_densenet121(const ModelOptions& o);
// The small DenseNet of the Tiny ImageNet replication (TropComplique; docs/DESIGN.md §14):
// growth 12, blocks (8,12,10), 48 initial features, dropout 0.25; stem 3x3/1 conv0 + 3x3/2
// max-pool. 440,264 parameters at 3x64x64 / 200 classes, as in that replication's table.
std::shared_ptr<Network> make_densenet_small(const ModelOptions& o);

}  // namespace ttq::train
