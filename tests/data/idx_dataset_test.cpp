#include <gtest/gtest.h>

#include "data/dataset.h"
#include "data/idx_dataset.h"
#include "data_test_files.h"
#include "expect_error.h"

namespace ttq::data {
namespace {
using namespace testing;

constexpr uint32_t kN = 5, kH = 4, kW = 3;
const std::vector<uint8_t> kLabels = {3, 0, 9, 1, 7};

std::vector<uint8_t> image_payload() {
  std::vector<uint8_t> p;
  for (size_t i = 0; i < kN; ++i)
    for (size_t b = 0; b < kH * kW; ++b) p.push_back(pixel_pattern(i, b));
  return p;
}

std::vector<uint8_t> images_file() { return idx_bytes({kN, kH, kW}, image_payload()); }
std::vector<uint8_t> labels_file() { return idx_bytes({kN}, kLabels); }

void write_split(const TempDir& dir, const std::string& prefix, bool gz) {
  auto write = gz ? write_gzip : write_bytes;
  std::string suffix = gz ? ".gz" : "";
  write(dir / (prefix + "-images-idx3-ubyte" + suffix), images_file());
  write(dir / (prefix + "-labels-idx1-ubyte" + suffix), labels_file());
}

void expect_pattern(const Dataset& ds) {
  ASSERT_EQ(ds.size(), kN);
  EXPECT_EQ(ds.shape().channels, 1);
  EXPECT_EQ(ds.shape().height, int(kH));
  EXPECT_EQ(ds.shape().width, int(kW));
  EXPECT_EQ(ds.num_classes(), 10);
  std::vector<uint8_t> img(ds.shape().bytes());
  for (size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(ds.label(i), kLabels[i]);
    ds.read_image(i, img.data());
    for (size_t b = 0; b < img.size(); ++b) ASSERT_EQ(img[b], pixel_pattern(i, b)) << "image " << i << " byte " << b;
  }
}

TEST(IdxDataset, ReadsRawFilesExactly) {
  TempDir dir;
  write_split(dir, "train", false);
  auto ds = open_dataset("mnist", dir.path(), true);
  expect_pattern(*ds);
  EXPECT_EQ(ds->describe(), "mnist train (5 images, 1x4x3)");
}

TEST(IdxDataset, ReadsGzipFilesExactly) {
  TempDir dir;
  write_split(dir, "t10k", true);
  auto ds = open_dataset("fashion-mnist", dir.path(), false);
  expect_pattern(*ds);
  EXPECT_EQ(ds->describe(), "fashion-mnist test (5 images, 1x4x3)");
}

TEST(IdxDataset, TruncatedImagesFileIsFormatErrorNamingIt) {
  const std::vector<uint8_t> full = images_file();
  // Inside the magic, inside the dims, right after the header, one byte short.
  for (size_t length : {size_t(0), size_t(3), size_t(9), size_t(16), full.size() - 1}) {
    TempDir dir;
    write_split(dir, "train", false);
    write_bytes(dir / "train-images-idx3-ubyte", std::vector<uint8_t>(full.begin(), full.begin() + length));
    SCOPED_TRACE("length " + std::to_string(length));
    expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); },
                              {dir / "train-images-idx3-ubyte", "truncated"});
  }
}

TEST(IdxDataset, TrailingBytesAreFormatError) {
  TempDir dir;
  write_split(dir, "train", false);
  std::vector<uint8_t> longer = labels_file();
  longer.push_back(0);
  write_bytes(dir / "train-labels-idx1-ubyte", longer);
  expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); },
                            {dir / "train-labels-idx1-ubyte", "trailing"});
}

TEST(IdxDataset, TruncatedGzipIsFormatErrorNamingIt) {
  TempDir dir;
  write_split(dir, "train", true);
  // Compress a payload that does not shrink to nothing, then cut the stream in half.
  std::vector<uint8_t> big_payload(kN * kH * kW * 100);
  for (size_t i = 0; i < big_payload.size(); ++i) big_payload[i] = uint8_t((i * 2654435761u) >> 13);
  const std::string path = dir / "train-images-idx3-ubyte.gz";
  write_gzip(path, idx_bytes({kN * 100, kH, kW}, big_payload));
  std::vector<uint8_t> gz = read_back(path);
  gz.resize(gz.size() / 2);
  write_bytes(path, gz);
  expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); }, {path});
}

TEST(IdxDataset, BadMagicIsFormatError) {
  TempDir dir;
  write_split(dir, "train", false);
  write_bytes(dir / "train-images-idx3-ubyte", labels_file());  // a labels file where images belong
  expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); },
                            {dir / "train-images-idx3-ubyte", "magic", "0x00000801"});
}

TEST(IdxDataset, CountMismatchIsFormatError) {
  TempDir dir;
  write_split(dir, "train", false);
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({kN - 1}, {1, 2, 3, 4}));
  expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); }, {"5 images", "4 labels"});
}

TEST(IdxDataset, LabelOutOfRangeIsFormatError) {
  TempDir dir;
  write_split(dir, "train", false);
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({kN}, {1, 2, 10, 4, 5}));
  expect_error<FormatError>([&] { open_dataset("mnist", dir.path(), true); },
                            {dir / "train-labels-idx1-ubyte", "label 10"});
}

TEST(IdxDataset, MissingFilesAreFileErrorsWithAHint) {
  TempDir dir;
  expect_error<FileError>([&] { open_dataset("mnist", dir / "nowhere", true); }, {dir / "nowhere"});
  write_bytes(dir / "train-images-idx3-ubyte", images_file());
  try {
    open_dataset("mnist", dir.path(), true);
    ADD_FAILURE() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "train-labels-idx1-ubyte"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("install-deps.sh"), std::string::npos) << e.hint();
  }
}

TEST(OpenDataset, UnknownNameListsValidNames) {
  expect_error<ArgumentError>([] { open_dataset("imagenet-1k", "/tmp", true); }, {"imagenet-1k"});
  try {
    open_dataset("imagenet-1k", "/tmp", true);
  } catch (const ArgumentError& e) {
    for (const char* name : {"mnist", "fashion-mnist", "cifar10", "cifar100", "imagefolder", "tiny-imagenet"})
      EXPECT_NE(e.hint().find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace ttq::data
