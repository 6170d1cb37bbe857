// ResNets: the CIFAR family of He et al. 2016 (resnet20/32/44/56: 16/32/64
// channels, option-A shortcuts) and torchvision's resnet18/34.
#pragma once

#include <memory>

#include "train/models/network.h"

namespace ttq::train {

// depth = 6n + 2 (20, 32, 44, 56, ...). Always the 3x3 stride-1 stem of the paper.
std::shared_ptr<Network> make_resnet_cifar(int depth, const ModelOptions& o);
// depth 18 or 34. options.small_input: 3x3 stride-1 stem without max-pool,
// otherwise torchvision's 7x7/2 stem + 3x3/2 max-pool.
std::shared_ptr<Network> make_resnet(int depth, const ModelOptions& o);

}  // namespace ttq::train
