#include <gtest/gtest.h>

#include <filesystem>

#include "data/dataset.h"
#include "data/image_folder_dataset.h"
#include "data_test_files.h"
#include "expect_error.h"

namespace ttq::data {
namespace {
using namespace testing;

// HWC pixels of a W x H image with `channels` channels, distinct per (id, position).
std::vector<uint8_t> pattern_hwc(size_t id, int w, int h, int channels) {
  std::vector<uint8_t> p(size_t(w) * h * channels);
  for (size_t b = 0; b < p.size(); ++b) p[b] = pixel_pattern(id, b);
  return p;
}

// The CHW bytes read_image must return for an RGB pattern image.
std::vector<uint8_t> to_chw(const std::vector<uint8_t>& hwc, int w, int h) {
  std::vector<uint8_t> chw(hwc.size());
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < w * h; ++p) chw[size_t(c) * w * h + p] = hwc[size_t(p) * 3 + c];
  return chw;
}

std::vector<uint8_t> read(const Dataset& ds, size_t i) {
  std::vector<uint8_t> img(ds.shape().bytes());
  ds.read_image(i, img.data());
  return img;
}

constexpr int kW = 5, kH = 4;

// train/{ant,cat,dog}, val/{ant,dog}; cat/b.png is greyscale, dog/nested/c.PNG is in a subfolder.
void make_image_folder(const TempDir& dir) {
  for (const char* d : {"train/ant", "train/cat", "train/dog/nested", "val/ant", "val/dog"}) make_dirs(dir / d);
  write_png(dir / "train/cat/a.png", kW, kH, 3, pattern_hwc(1, kW, kH, 3));
  write_png(dir / "train/cat/b.png", kW, kH, 1, pattern_hwc(2, kW, kH, 1));
  write_png(dir / "train/dog/nested/c.PNG", kW, kH, 3, pattern_hwc(3, kW, kH, 3));
  write_png(dir / "train/ant/d.png", kW, kH, 3, pattern_hwc(4, kW, kH, 3));
  write_text(dir / "train/ant/notes.txt", "not an image");
  write_png(dir / "val/dog/e.png", kW, kH, 3, pattern_hwc(5, kW, kH, 3));
  write_png(dir / "val/ant/f.png", kW, kH, 3, pattern_hwc(6, kW, kH, 3));
}

TEST(ImageFolder, ClassesAreSortedFolderNamesAndPixelsComeBackExactly) {
  TempDir dir;
  make_image_folder(dir);
  auto ds = open_dataset("imagefolder", dir.path(), true);
  ASSERT_EQ(ds->size(), 4u);
  EXPECT_EQ(ds->num_classes(), 3);
  EXPECT_EQ(ds->shape().channels, 3);
  EXPECT_EQ(ds->shape().height, kH);
  EXPECT_EQ(ds->shape().width, kW);
  // Sorted by class, then path: ant/d, cat/a, cat/b, dog/nested/c.
  EXPECT_EQ(ds->label(0), 0);
  EXPECT_EQ(ds->label(1), 1);
  EXPECT_EQ(ds->label(2), 1);
  EXPECT_EQ(ds->label(3), 2);
  EXPECT_EQ(read(*ds, 0), to_chw(pattern_hwc(4, kW, kH, 3), kW, kH));
  EXPECT_EQ(read(*ds, 1), to_chw(pattern_hwc(1, kW, kH, 3), kW, kH));
  EXPECT_EQ(read(*ds, 3), to_chw(pattern_hwc(3, kW, kH, 3), kW, kH));
  EXPECT_EQ(ds->describe(), "imagefolder train (4 images, 3 classes, 3x4x5)");
}

TEST(ImageFolder, GreyscaleImageBecomesThreeEqualChannels) {
  TempDir dir;
  make_image_folder(dir);
  auto ds = open_dataset("imagefolder", dir.path(), true);
  std::vector<uint8_t> grey = pattern_hwc(2, kW, kH, 1);
  std::vector<uint8_t> img = read(*ds, 2);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < kW * kH; ++p) ASSERT_EQ(img[size_t(c) * kW * kH + p], grey[p]) << "channel " << c;
}

TEST(ImageFolder, ValSplitUsesTrainClassIndices) {
  TempDir dir;
  make_image_folder(dir);
  auto ds = open_dataset("imagefolder", dir.path(), false);
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->num_classes(), 3);
  EXPECT_EQ(ds->label(0), 0);  // ant
  EXPECT_EQ(ds->label(1), 2);  // dog, though val has no cat
  EXPECT_EQ(read(*ds, 1), to_chw(pattern_hwc(5, kW, kH, 3), kW, kH));
}

TEST(ImageFolder, WrongSizeAndUndecodableImagesAreFormatErrorsNamingTheFile) {
  TempDir dir;
  make_image_folder(dir);
  write_png(dir / "train/cat/b.png", kW + 1, kH, 3, pattern_hwc(2, kW + 1, kH, 3));
  write_text(dir / "train/dog/nested/c.PNG", "garbage, not a PNG");
  auto ds = open_dataset("imagefolder", dir.path(), true);  // decoding is lazy: opening succeeds
  std::vector<uint8_t> img(ds->shape().bytes());
  expect_error<FormatError>([&] { ds->read_image(2, img.data()); }, {dir / "train/cat/b.png", "6x4"});
  expect_error<FormatError>([&] { ds->read_image(3, img.data()); }, {dir / "train/dog/nested/c.PNG"});
  EXPECT_NO_THROW(ds->read_image(0, img.data()));
}

TEST(ImageFolder, MissingFoldersAreFileErrors) {
  TempDir dir;
  expect_error<FileError>([&] { open_dataset("imagefolder", dir / "absent", true); }, {dir / "absent"});
  expect_error<FileError>([&] { open_dataset("imagefolder", dir.path(), true); }, {dir / "train"});
  make_image_folder(dir);
  std::filesystem::remove_all(dir / "val");
  expect_error<FileError>([&] { open_dataset("imagefolder", dir.path(), false); }, {dir / "val"});
}

// Tiny ImageNet: wnids.txt, train/<wnid>/images/*.JPEG, val/images + val_annotations.txt.
void make_tiny_imagenet(const TempDir& dir) {
  const std::vector<std::string> wnids = {"n02", "n01", "n03"};  // wnids.txt is not sorted
  write_text(dir / "wnids.txt", "n02\nn01\nn03\n");
  for (size_t c = 0; c < wnids.size(); ++c) {
    make_dirs(dir / ("train/" + wnids[c] + "/images"));
    write_text(dir / ("train/" + wnids[c] + "/" + wnids[c] + "_boxes.txt"), "x\t0\t0\t1\t1\n");
    for (int k = 0; k < 2; ++k)
      write_jpg(dir / ("train/" + wnids[c] + "/images/" + wnids[c] + "_" + std::to_string(k) + ".JPEG"), 64, 64,
                3, std::vector<uint8_t>(64 * 64 * 3, uint8_t(40 * c + 20 * k)));
  }
  make_dirs(dir / "val/images");
  write_png(dir / "val/images/val_0.JPEG", 64, 64, 3, pattern_hwc(7, 64, 64, 3));  // stb sniffs the content
  write_jpg(dir / "val/images/val_1.JPEG", 64, 64, 1, std::vector<uint8_t>(64 * 64, 200));  // greyscale
  write_text(dir / "val/val_annotations.txt", "val_0.JPEG\tn03\t0\t0\t10\t10\nval_1.JPEG\tn01\t1\t2\t3\t4\n");
}

TEST(TinyImageNet, TrainReadsNestedImagesWithSortedWnids) {
  TempDir dir;
  make_tiny_imagenet(dir);
  auto ds = open_dataset("tiny-imagenet", dir.path(), true);
  ASSERT_EQ(ds->size(), 6u);
  EXPECT_EQ(ds->num_classes(), 3);
  EXPECT_EQ(ds->shape().bytes(), 3u * 64 * 64);
  // n01 (wnids index 1 in the file) is class 0 after sorting; its images were filled with 40.
  EXPECT_EQ(ds->label(0), 0);
  EXPECT_EQ(ds->label(5), 2);
  std::vector<uint8_t> img = read(*ds, 0);
  for (uint8_t v : img) ASSERT_NEAR(int(v), 40, 2);  // JPEG is lossy
}

TEST(TinyImageNet, ValUsesAnnotations) {
  TempDir dir;
  make_tiny_imagenet(dir);
  auto ds = open_dataset("tiny-imagenet", dir.path(), false);
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->label(0), 2);  // n03
  EXPECT_EQ(ds->label(1), 0);  // n01
  EXPECT_EQ(read(*ds, 0), to_chw(pattern_hwc(7, 64, 64, 3), 64, 64));
  for (uint8_t v : read(*ds, 1)) ASSERT_NEAR(int(v), 200, 2);  // grey JPEG -> 3 channels
}

TEST(TinyImageNet, UnknownWnidInAnnotationsIsFormatError) {
  TempDir dir;
  make_tiny_imagenet(dir);
  write_text(dir / "val/val_annotations.txt", "val_0.JPEG\tn03\t0\t0\t1\t1\nval_1.JPEG\tn99\t0\t0\t1\t1\n");
  expect_error<FormatError>([&] { open_dataset("tiny-imagenet", dir.path(), false); },
                            {dir / "val/val_annotations.txt", ":2", "n99"});
}

TEST(TinyImageNet, ImagesMustBe64x64) {
  TempDir dir;
  make_tiny_imagenet(dir);
  write_png(dir / "val/images/val_0.JPEG", 32, 32, 3, pattern_hwc(7, 32, 32, 3));
  expect_error<FormatError>([&] { open_dataset("tiny-imagenet", dir.path(), false); },
                            {dir / "val/images/val_0.JPEG", "32x32"});
}

}  // namespace
}  // namespace ttq::data
