// Per-channel mean/std of the data sets we know, as torchvision's references use.
#pragma once

#include <string>
#include <vector>

namespace ttq::train {

struct Normalization {
  std::vector<float> mean, std;
};

// Unknown data sets (ImageFolder) get ImageNet's statistics, the usual default.
Normalization normalization_for(const std::string& dataset, int channels);

}  // namespace ttq::train
