// SqueezeNet 1.1-like network with batch norm and skip connections, as the Tiny ImageNet
// replication (TropComplique; docs/DESIGN.md §14) modified it.
#pragma once

#include <memory>

#include "train/models/network.h"

namespace ttq::train {

// Fire modules are pre-activation (bn-relu-conv on squeeze and both expands);
// a fire whose input and output widths are equal adds its input (skip).
// Layout (torchvision indices): features.0 conv 64 + features.1 bn, max-pool,
// fires 4,5 (128), max-pool, fires 7,8 (256), max-pool, fires 10,11 (384),
// 12,13 (512); classifier.1 = 1x1 conv to the classes (with bias), relu,
// global average pool. 827,784 parameters at 3x64x64 / 200 classes (that replication's
// table). options.small_input: stem is 3x3 stride 1 (that replication's), otherwise 3x3
// stride 2 (torchvision).
std::shared_ptr<Network> make_squeezenet_bn(const ModelOptions& o);

}  // namespace ttq::train
