// The registry of models: build one by name for any input size and class count.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/models/network.h"

namespace ttq::train {

// Throws ArgumentError for an unknown name (the message lists the known ones)
// or nonsensical options, ShapeError when the input is too small for the model.
std::shared_ptr<Network> make_model(const std::string& name, const ModelOptions& o);

// The registered names, in the order docs/MODELS.md lists them.
std::vector<std::string> model_names();

// One line for `ttq info --list`: the name, padded to 16 columns, then what it is
// ("resnet20        CIFAR ResNet-20 (He et al. 2016): ...").
std::string model_summary(const std::string& name);

}  // namespace ttq::train
