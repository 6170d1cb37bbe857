// AlexNet (Krizhevsky et al. 2012, torchvision layout) with batch norm after
// every convolution and hidden fully connected layer, sized to the input.
#pragma once

#include <memory>

#include "train/models/network.h"

namespace ttq::train {

// Module names follow torchvision's positions in `features` / `classifier`:
//   features: 0 conv, 1 bn, (relu), (pool), 4 conv, 5 bn, (relu), (pool),
//             8 conv, 9 bn, 11 conv, 12 bn, 14 conv, 15 bn, (relu), (pool)
//   classifier: (dropout), 1 linear, 2 bn, (relu), (dropout), 5 linear, 6 bn, (relu), 8 linear
// Large inputs (options.small_input false): torchvision's geometry (11x11/4
// stem, 3x3/2 pools, 4096 hidden units); the final feature map is average-
// pooled to 6x6 when it is a square multiple of 6 (224 px gives 6x6 directly),
// otherwise flattened as it is.
// Small inputs: 5x5 stem with stride 1 (<= 32 px) or 2 (33..64 px), 3x3/2
// pools with padding 1, 1024 hidden units; 28, 32 and 64 px all end at 4x4.
// Convs and hidden linears have no bias (the batch norm after them has one).
std::shared_ptr<Network> make_alexnet_bn(const ModelOptions& o);

}  // namespace ttq::train
