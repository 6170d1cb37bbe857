#include "data/transforms.h"

#include <string>

#include "common/error.h"

namespace ttq::data {
namespace {

// SplitMix64's finaliser: a well-mixed 64-bit hash, fully specified (unlike std::hash).
uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

float channel_value(const std::vector<float>& v, int c, float fallback) {
  if (v.empty()) return fallback;
  return v.size() == 1 ? v[0] : v[size_t(c)];
}

}  // namespace

Augmentation identity_augmentation(int pad) { return Augmentation{pad, pad, false}; }

Augmentation draw_augmentation(const AugmentOptions& options, uint64_t seed, int64_t epoch, uint64_t index) {
  uint64_t h = mix64(mix64(mix64(seed) ^ uint64_t(epoch)) ^ index);
  Augmentation a = identity_augmentation(options.pad);
  if (options.pad > 0) {
    const uint64_t span = uint64_t(2 * options.pad + 1);
    a.crop_y = int(h % span);
    h = mix64(h);
    a.crop_x = int(h % span);
    h = mix64(h);
  }
  if (options.hflip) a.flip = (h >> 63) != 0;
  return a;
}

void validate_normalization(const Normalization& norm, int channels) {
  for (const auto* v : {&norm.mean, &norm.std})
    if (!v->empty() && v->size() != 1 && v->size() != size_t(channels))
      throw ArgumentError("normalisation has " + std::to_string(v->size()) + " values for " +
                              std::to_string(channels) + "-channel images",
                          "give one mean/std value per channel, or one for all");
  for (float s : norm.std)
    if (!(s > 0)) throw ArgumentError("normalisation std " + std::to_string(s) + " is not positive");
}

void augment_and_normalize(const uint8_t* src, const ImageShape& shape, int pad, const Augmentation& aug,
                           const Normalization& norm, float* dst) {
  const int H = shape.height, W = shape.width;
  // Offset of the crop relative to the unpadded image.
  const int dy = aug.crop_y - pad, dx = aug.crop_x - pad;
  for (int c = 0; c < shape.channels; ++c) {
    const float scale = 1.0f / (255.0f * channel_value(norm.std, c, 1.0f));
    const float shift = channel_value(norm.mean, c, 0.0f) / channel_value(norm.std, c, 1.0f);
    const uint8_t* plane = src + size_t(c) * H * W;
    float* out = dst + size_t(c) * H * W;
    for (int y = 0; y < H; ++y) {
      const int sy = y + dy;
      for (int x = 0; x < W; ++x) {
        const int cx = aug.flip ? W - 1 - x : x;  // flip after the crop: mirror the cropped column
        const int sx = cx + dx;
        const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        const float pixel = inside ? float(plane[size_t(sy) * W + sx]) : 0.0f;
        out[size_t(y) * W + x] = pixel * scale - shift;
      }
    }
  }
}

}  // namespace ttq::data
