// Per-sample augmentation (random crop with zero padding, horizontal flip) and
// normalisation, torch-free. The random choices of a sample depend only on
// (seed, epoch, index in the dataset), never on thread timing or batch order.
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace ttq::data {

struct AugmentOptions {
  int pad = 0;         // random crop of the original size from the image zero-padded by `pad` on each side
  bool hflip = false;  // mirror left-right with probability 1/2
};

// The choices made for one sample.
struct Augmentation {
  int crop_y = 0, crop_x = 0;  // top-left of the crop in the padded image, in [0, 2*pad]; pad,pad = no shift
  bool flip = false;
};

// No augmentation: the crop centred on the original image, no flip.
Augmentation identity_augmentation(int pad);

// Deterministic in (seed, epoch, index) alone.
Augmentation draw_augmentation(const AugmentOptions& options, uint64_t seed, int64_t epoch, uint64_t index);

// (pixel / 255 - mean[c]) / std[c]; an empty vector means mean 0 / std 1, one value applies to every channel.
struct Normalization {
  std::vector<float> mean, std;
};

// Applies the crop (padding pixels are u8 0, as torchvision pads before ToTensor), then the
// flip, then normalisation: u8 CHW `src` -> float CHW `dst` of the same shape.
// Throws ArgumentError if mean/std have the wrong length or a std is not positive.
void augment_and_normalize(const uint8_t* src, const ImageShape& shape, int pad, const Augmentation& aug,
                           const Normalization& norm, float* dst);

// Checks mean/std against a channel count (ArgumentError on mismatch).
void validate_normalization(const Normalization& norm, int channels);

}  // namespace ttq::data
