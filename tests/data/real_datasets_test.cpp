// Reads the real datasets where this machine has them (skipped elsewhere).
#include <gtest/gtest.h>

#include <array>

#include "data/dataset.h"
#include "data/file_bytes.h"

namespace ttq::data {
namespace {

TEST(RealData, FashionMnistTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!is_directory(dir)) GTEST_SKIP() << dir << " not installed (apt install dataset-fashion-mnist)";
  auto ds = open_dataset("fashion-mnist", dir, false);
  ASSERT_EQ(ds->size(), 10000u);
  EXPECT_EQ(ds->shape().channels, 1);
  EXPECT_EQ(ds->shape().height, 28);
  EXPECT_EQ(ds->shape().width, 28);
  std::array<int, 10> counts{};
  for (size_t i = 0; i < ds->size(); ++i) counts[size_t(ds->label(i))]++;
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[size_t(c)], 1000) << "class " << c;
  // Real images are not blank.
  std::vector<uint8_t> img(ds->shape().bytes());
  ds->read_image(0, img.data());
  int lit = 0;
  for (uint8_t v : img) lit += v > 0;
  EXPECT_GT(lit, 50);
}

TEST(RealData, MnistRawTrainSet) {
  const std::string dir = "/tmp/mn/package/data";
  if (!is_file(dir + "/train-images-idx3-ubyte")) GTEST_SKIP() << "raw MNIST not in " << dir;
  auto ds = open_dataset("mnist", dir, true);
  EXPECT_EQ(ds->size(), 60000u);
  EXPECT_EQ(ds->describe(), "mnist train (60000 images, 1x28x28)");
  EXPECT_EQ(ds->label(0), 5);  // MNIST's first training digit is a 5
}

}  // namespace
}  // namespace ttq::data
