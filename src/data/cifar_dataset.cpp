#include "data/cifar_dataset.h"

#include <cstring>

#include "common/error.h"
#include "data/file_bytes.h"

namespace ttq::data {
namespace {

constexpr size_t kImageBytes = 3 * 32 * 32;

std::vector<std::string> split_files(CifarKind kind, bool train) {
  if (kind == CifarKind::cifar100) return {train ? "train.bin" : "test.bin"};
  if (!train) return {"test_batch.bin"};
  std::vector<std::string> names;
  for (int b = 1; b <= 5; ++b) names.push_back("data_batch_" + std::to_string(b) + ".bin");
  return names;
}

}  // namespace

CifarDataset::CifarDataset(CifarKind kind, const std::vector<std::string>& files, std::string title)
    : kind_(kind), title_(std::move(title)) {
  const size_t label_bytes = kind == CifarKind::cifar10 ? 1 : 2;
  const size_t record = label_bytes + kImageBytes;
  const int classes = num_classes();
  for (const std::string& path : files) {
    std::vector<uint8_t> bytes = read_file_bytes(path);
    if (bytes.empty() || bytes.size() % record != 0)
      throw FormatError(path + ": size " + std::to_string(bytes.size()) + " bytes is not a positive multiple of the " +
                            std::to_string(record) + "-byte " + (kind == CifarKind::cifar10 ? "CIFAR-10" : "CIFAR-100") +
                            " record",
                        "the file is truncated or is not a CIFAR binary batch; re-download it");
    size_t n = bytes.size() / record;
    size_t first = labels_.size();
    labels_.resize(first + n);
    pixels_.resize((first + n) * kImageBytes);
    for (size_t r = 0; r < n; ++r) {
      const uint8_t* rec = bytes.data() + r * record;
      if (kind == CifarKind::cifar100 && rec[0] >= 20)
        throw FormatError(path + ": coarse label " + std::to_string(rec[0]) + " of record " + std::to_string(r) +
                              " is not below 20", "the file is corrupt or is not a CIFAR-100 batch");
      uint8_t label = rec[label_bytes - 1];
      if (label >= classes)
        throw FormatError(path + ": label " + std::to_string(label) + " of record " + std::to_string(r) +
                              " is not below " + std::to_string(classes),
                          "the file is corrupt, or is a CIFAR-100 file opened as CIFAR-10");
      labels_[first + r] = label;
      std::memcpy(pixels_.data() + (first + r) * kImageBytes, rec + label_bytes, kImageBytes);
    }
  }
}

void CifarDataset::read_image(size_t i, uint8_t* out) const {
  std::memcpy(out, pixels_.data() + i * kImageBytes, kImageBytes);
}

std::string CifarDataset::describe() const {
  return title_ + " (" + std::to_string(size()) + " images, 3x32x32)";
}

std::unique_ptr<Dataset> open_cifar_dataset(CifarKind kind, const std::string& data_path, bool train) {
  const bool ten = kind == CifarKind::cifar10;
  const std::string name = ten ? "cifar10" : "cifar100";
  const std::string subdir = ten ? "cifar-10-batches-bin" : "cifar-100-binary";
  const std::string hint = std::string("download the binary version from https://www.cs.toronto.edu/~kriz/") +
                           (ten ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz") +
                           ", extract it and point --data-path at " + subdir + " or its parent";
  if (!is_directory(data_path)) throw FileError(name + ": data path " + data_path + " is not a directory", hint);
  std::vector<std::string> names = split_files(kind, train);
  std::string dir = data_path;
  if (!is_file(join_path(dir, names[0])) && is_directory(join_path(data_path, subdir)))
    dir = join_path(data_path, subdir);
  std::vector<std::string> paths;
  for (const std::string& n : names) {
    std::string path = join_path(dir, n);
    if (!is_file(path)) throw FileError(name + ": cannot find " + path, hint);
    paths.push_back(path);
  }
  return std::make_unique<CifarDataset>(kind, paths, name + (train ? " train" : " test"));
}

}  // namespace ttq::data
