// MNIST-style datasets: a pair of IDX files (images u8 N x H x W, labels u8 N).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ttq::data {

// The magic numbers of the two IDX files we read (u8 data, 3 dims / 1 dim).
constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;

// A validated IDX file held in memory: dims from the header, then the payload.
struct IdxFile {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> bytes;  // the whole file
  size_t data_offset = 0;      // where the u8 payload starts in bytes
  const uint8_t* data() const { return bytes.data() + data_offset; }
};

// Checks magic, header length and that the file length is exactly what the header says.
// Throws FormatError naming path.
IdxFile parse_idx(std::vector<uint8_t> bytes, uint32_t expected_magic, const std::string& path);

class IdxDataset : public Dataset {
 public:
  // Reads both files (raw or gzip) fully into memory. `title` starts describe(),
  // e.g. "fashion-mnist train". Throws FileError / FormatError.
  IdxDataset(const std::string& images_path, const std::string& labels_path, std::string title,
             int num_classes = 10);

  size_t size() const override { return labels_.size(); }
  ImageShape shape() const override { return shape_; }
  int num_classes() const override { return num_classes_; }
  int label(size_t i) const override { return labels_[i]; }
  void read_image(size_t i, uint8_t* out) const override;
  std::string describe() const override;

 private:
  std::string title_;
  int num_classes_;
  ImageShape shape_;
  IdxFile images_;
  std::vector<uint8_t> labels_;
};

// Finds "<prefix>-images-idx3-ubyte" and "<prefix>-labels-idx1-ubyte" (raw, else .gz)
// in data_path with prefix "train" or "t10k", and opens them. `name` is "mnist" or
// "fashion-mnist" (used in messages).
std::unique_ptr<Dataset> open_idx_dataset(const std::string& name, const std::string& data_path,
                                          bool train);

}  // namespace ttq::data
