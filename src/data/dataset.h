// Image classification datasets, torch-free (used by training and by the runtime's `ttq run`).
// Images are u8, CHW, with a fixed shape per dataset.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ttq::data {

struct ImageShape {
  int channels = 0, height = 0, width = 0;
  size_t bytes() const { return size_t(channels) * height * width; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  virtual ImageShape shape() const = 0;
  virtual int num_classes() const = 0;
  virtual int label(size_t i) const = 0;
  // Writes image i as u8 CHW into out (shape().bytes() bytes). Thread-safe.
  virtual void read_image(size_t i, uint8_t* out) const = 0;
  virtual std::string describe() const = 0;  // e.g. "fashion-mnist train (60000 images, 1x28x28)"
};

// Which dataset and split, by name, as the CLI's --dataset/--data-path give it.
//   "mnist", "fashion-mnist": IDX files (raw or .gz) in data_path
//   "cifar10", "cifar100":    the binary batches in data_path
//   "imagefolder", "tiny-imagenet": ImageFolder layout (train/<class>/..., val/...)
// Throws FileError / FormatError / ArgumentError with a clear message.
std::unique_ptr<Dataset> open_dataset(const std::string& name, const std::string& data_path, bool train);

}  // namespace ttq::data
