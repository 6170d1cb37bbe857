#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/error.h"
#include "data/transforms.h"

namespace ttq::data {
namespace {

// A 1x3x4 image holding 1..12 row by row.
const std::vector<uint8_t> kImage = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
const ImageShape kShape{1, 3, 4};

// Runs the transform with mean 0 / std 1/255, so outputs are the raw pixel values.
std::vector<float> apply(int pad, Augmentation aug) {
  std::vector<float> out(kImage.size());
  augment_and_normalize(kImage.data(), kShape, pad, aug, Normalization{{0.0f}, {1.0f / 255.0f}}, out.data());
  for (float& v : out) v = std::round(v * 1000.0f) / 1000.0f;
  return out;
}

TEST(Transforms, IdentityLeavesPixels) {
  std::vector<float> expect(kImage.begin(), kImage.end());
  EXPECT_EQ(apply(0, identity_augmentation(0)), expect);
  EXPECT_EQ(apply(2, identity_augmentation(2)), expect);
}

TEST(Transforms, PaddedCropShiftsPixelsAndFillsZeros) {
  // Crop at (y 0, x 2) of the 1-padded image: content moves down 1 and left 1.
  EXPECT_EQ(apply(1, Augmentation{0, 2, false}),
            (std::vector<float>{0, 0, 0, 0,  //
                                2, 3, 4, 0,  //
                                6, 7, 8, 0}));
  // Crop at (y 2, x 0): content moves up 1 and right 1.
  EXPECT_EQ(apply(1, Augmentation{2, 0, false}),
            (std::vector<float>{0, 5, 6, 7,  //
                                0, 9, 10, 11,  //
                                0, 0, 0, 0}));
}

TEST(Transforms, FlipMirrorsEachRow) {
  EXPECT_EQ(apply(0, Augmentation{0, 0, true}),
            (std::vector<float>{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}));
  // Flip applies to the cropped image.
  EXPECT_EQ(apply(1, Augmentation{0, 2, true}),
            (std::vector<float>{0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 7, 6}));
}

TEST(Transforms, NormalizationPerChannel) {
  const ImageShape shape{2, 1, 3};
  const std::vector<uint8_t> img = {0, 51, 255, 0, 51, 255};
  std::vector<float> out(6);
  augment_and_normalize(img.data(), shape, 0, identity_augmentation(0), Normalization{{0.5f, 0.1f}, {0.5f, 0.2f}},
                        out.data());
  const float expect[6] = {(0.0f - 0.5f) / 0.5f, (0.2f - 0.5f) / 0.5f, (1.0f - 0.5f) / 0.5f,
                           (0.0f - 0.1f) / 0.2f, (0.2f - 0.1f) / 0.2f, (1.0f - 0.1f) / 0.2f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(out[i], expect[i], 1e-6) << i;
  // Empty mean/std: just scaled to [0, 1]. Padding pixels are u8 0 before normalisation.
  augment_and_normalize(img.data(), shape, 1, Augmentation{1, 0, false}, Normalization{{0.5f}, {0.5f}}, out.data());
  EXPECT_NEAR(out[0], -1.0f, 1e-6);  // padding
  EXPECT_NEAR(out[1], -1.0f, 1e-6);  // pixel 0
  EXPECT_NEAR(out[2], (0.2f - 0.5f) / 0.5f, 1e-6);
}

TEST(Transforms, BadNormalizationIsArgumentError) {
  EXPECT_THROW(validate_normalization(Normalization{{0.1f, 0.2f}, {}}, 3), ArgumentError);
  EXPECT_THROW(validate_normalization(Normalization{{}, {0.0f}}, 3), ArgumentError);
  EXPECT_NO_THROW(validate_normalization(Normalization{{0.1f, 0.2f, 0.3f}, {0.5f}}, 3));
}

TEST(Transforms, DrawIsDeterministicAndCoversTheRange) {
  const AugmentOptions opt{4, true};
  std::set<int> ys, xs;
  int flips = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    Augmentation a = draw_augmentation(opt, 7, 3, uint64_t(i));
    Augmentation b = draw_augmentation(opt, 7, 3, uint64_t(i));
    ASSERT_EQ(a.crop_y, b.crop_y);
    ASSERT_EQ(a.crop_x, b.crop_x);
    ASSERT_EQ(a.flip, b.flip);
    ASSERT_GE(a.crop_y, 0);
    ASSERT_LE(a.crop_y, 8);
    ys.insert(a.crop_y);
    xs.insert(a.crop_x);
    flips += a.flip;
  }
  EXPECT_EQ(ys.size(), 9u);
  EXPECT_EQ(xs.size(), 9u);
  EXPECT_GT(flips, n * 2 / 5);
  EXPECT_LT(flips, n * 3 / 5);
  // Another epoch or seed draws differently.
  int same_epoch = 0, same_seed = 0;
  for (int i = 0; i < 200; ++i) {
    Augmentation a = draw_augmentation(opt, 7, 3, uint64_t(i));
    Augmentation e = draw_augmentation(opt, 7, 4, uint64_t(i));
    Augmentation s = draw_augmentation(opt, 8, 3, uint64_t(i));
    same_epoch += a.crop_y == e.crop_y && a.crop_x == e.crop_x && a.flip == e.flip;
    same_seed += a.crop_y == s.crop_y && a.crop_x == s.crop_x && a.flip == s.flip;
  }
  EXPECT_LT(same_epoch, 20);
  EXPECT_LT(same_seed, 20);
  // No augmentation asked: the identity.
  Augmentation none = draw_augmentation(AugmentOptions{0, false}, 7, 3, 5);
  EXPECT_EQ(none.crop_y, 0);
  EXPECT_EQ(none.crop_x, 0);
  EXPECT_FALSE(none.flip);
}

}  // namespace
}  // namespace ttq::data
