// CIFAR-10 / CIFAR-100 in their binary distribution (cifar-10-batches-bin, cifar-100-binary).
//   CIFAR-10 record:  1 label byte, then 3072 bytes (R plane, G plane, B plane, 32x32 each)
//   CIFAR-100 record: 1 coarse label byte, 1 fine label byte, then 3072 bytes; we use the fine label
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ttq::data {

enum class CifarKind { cifar10, cifar100 };

class CifarDataset : public Dataset {
 public:
  // Reads the given .bin files fully into memory, in order. Throws FileError / FormatError.
  CifarDataset(CifarKind kind, const std::vector<std::string>& files, std::string title);

  size_t size() const override { return labels_.size(); }
  ImageShape shape() const override { return {3, 32, 32}; }
  int num_classes() const override { return kind_ == CifarKind::cifar10 ? 10 : 100; }
  int label(size_t i) const override { return labels_[i]; }
  void read_image(size_t i, uint8_t* out) const override;
  std::string describe() const override;

 private:
  CifarKind kind_;
  std::string title_;
  std::vector<uint8_t> pixels_;  // size() * 3072, CHW per image
  std::vector<uint8_t> labels_;
};

// data_path is the folder holding the .bin files, or its parent holding
// "cifar-10-batches-bin" / "cifar-100-binary".
std::unique_ptr<Dataset> open_cifar_dataset(CifarKind kind, const std::string& data_path, bool train);

}  // namespace ttq::data
