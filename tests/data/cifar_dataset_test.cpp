#include <gtest/gtest.h>

#include "data/dataset.h"
#include "data_test_files.h"
#include "expect_error.h"

namespace ttq::data {
namespace {
using namespace testing;

constexpr size_t kImage = 3072;

// `count` records starting at global image number `first`; label = (first + r) * 7 % classes.
std::vector<uint8_t> cifar10_records(size_t first, size_t count) {
  std::vector<uint8_t> b;
  for (size_t r = 0; r < count; ++r) {
    b.push_back(uint8_t((first + r) * 7 % 10));
    for (size_t p = 0; p < kImage; ++p) b.push_back(pixel_pattern(first + r, p));
  }
  return b;
}

std::vector<uint8_t> cifar100_records(size_t count) {
  std::vector<uint8_t> b;
  for (size_t r = 0; r < count; ++r) {
    b.push_back(uint8_t(r * 3 % 20));   // coarse
    b.push_back(uint8_t(r * 41 % 100)); // fine
    for (size_t p = 0; p < kImage; ++p) b.push_back(pixel_pattern(r, p));
  }
  return b;
}

void expect_image(const Dataset& ds, size_t i, size_t pattern_id) {
  std::vector<uint8_t> img(ds.shape().bytes());
  ds.read_image(i, img.data());
  for (size_t p = 0; p < kImage; ++p) ASSERT_EQ(img[p], pixel_pattern(pattern_id, p)) << "image " << i;
}

TEST(CifarDataset, Cifar10TrainConcatenatesTheFiveBatches) {
  TempDir dir;
  make_dirs(dir / "cifar-10-batches-bin");
  for (int b = 1; b <= 5; ++b)
    write_bytes(dir / ("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin"),
                cifar10_records(size_t(b - 1) * 3, 3));
  auto ds = open_dataset("cifar10", dir.path(), true);  // the parent folder is accepted
  ASSERT_EQ(ds->size(), 15u);
  EXPECT_EQ(ds->num_classes(), 10);
  EXPECT_EQ(ds->shape().channels, 3);
  EXPECT_EQ(ds->shape().height, 32);
  EXPECT_EQ(ds->shape().width, 32);
  for (size_t i = 0; i < 15; ++i) {
    EXPECT_EQ(ds->label(i), int(i * 7 % 10));
    expect_image(*ds, i, i);
  }
}

TEST(CifarDataset, Cifar10TestFromTheBatchFolderItself) {
  TempDir dir;
  write_bytes(dir / "test_batch.bin", cifar10_records(0, 4));
  auto ds = open_dataset("cifar10", dir.path(), false);
  ASSERT_EQ(ds->size(), 4u);
  EXPECT_EQ(ds->label(3), 21 % 10);
  expect_image(*ds, 3, 3);
  EXPECT_EQ(ds->describe(), "cifar10 test (4 images, 3x32x32)");
}

TEST(CifarDataset, Cifar100UsesFineLabels) {
  TempDir dir;
  make_dirs(dir / "cifar-100-binary");
  write_bytes(dir / "cifar-100-binary/train.bin", cifar100_records(6));
  auto ds = open_dataset("cifar100", dir.path(), true);
  ASSERT_EQ(ds->size(), 6u);
  EXPECT_EQ(ds->num_classes(), 100);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ds->label(i), int(i * 41 % 100));
    expect_image(*ds, i, i);
  }
}

TEST(CifarDataset, SizeNotAMultipleOfTheRecordIsFormatError) {
  for (size_t cut : {size_t(1), size_t(100), size_t(3072)}) {
    TempDir dir;
    std::vector<uint8_t> bytes = cifar10_records(0, 2);
    bytes.resize(bytes.size() - cut);
    write_bytes(dir / "test_batch.bin", bytes);
    SCOPED_TRACE("cut " + std::to_string(cut));
    expect_error<FormatError>([&] { open_dataset("cifar10", dir.path(), false); },
                              {dir / "test_batch.bin", "3073"});
  }
  TempDir dir;
  std::vector<uint8_t> bytes = cifar100_records(2);
  bytes.pop_back();
  write_bytes(dir / "test.bin", bytes);
  expect_error<FormatError>([&] { open_dataset("cifar100", dir.path(), false); }, {dir / "test.bin", "3074"});
}

TEST(CifarDataset, EmptyFileIsFormatError) {
  TempDir dir;
  write_bytes(dir / "test_batch.bin", {});
  expect_error<FormatError>([&] { open_dataset("cifar10", dir.path(), false); }, {dir / "test_batch.bin"});
}

TEST(CifarDataset, LabelOutOfRangeIsFormatError) {
  TempDir dir;
  std::vector<uint8_t> bytes = cifar10_records(0, 2);
  bytes[3073] = 42;
  write_bytes(dir / "test_batch.bin", bytes);
  expect_error<FormatError>([&] { open_dataset("cifar10", dir.path(), false); },
                            {dir / "test_batch.bin", "label 42"});
}

TEST(CifarDataset, MissingBatchIsFileErrorNamingIt) {
  TempDir dir;
  for (int b = 1; b <= 4; ++b)
    write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), cifar10_records(0, 1));
  expect_error<FileError>([&] { open_dataset("cifar10", dir.path(), true); }, {dir / "data_batch_5.bin"});
  expect_error<FileError>([&] { open_dataset("cifar100", dir / "absent", true); }, {dir / "absent"});
}

}  // namespace
}  // namespace ttq::data
