#include "data/idx_dataset.h"

#include <cstring>
#include <sstream>

#include "common/error.h"
#include "data/file_bytes.h"

namespace ttq::data {
namespace {

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  std::ostringstream s;
  s << "0x" << std::hex;
  s.width(8);
  s.fill('0');
  s << v;
  return s.str();
}

// "train-images-idx3-ubyte" if present, else "...ubyte.gz"; empty if neither.
std::string find_raw_or_gz(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {name, name + ".gz"}) {
    std::string path = join_path(dir, candidate);
    if (is_file(path)) return path;
  }
  return {};
}

}  // namespace

IdxFile parse_idx(std::vector<uint8_t> bytes, uint32_t expected_magic, const std::string& path) {
  const char* hint = "the file is corrupt or truncated: re-download it";
  if (bytes.size() < 4)
    throw FormatError(path + ": truncated IDX file (" + std::to_string(bytes.size()) +
                          " bytes, the header alone needs at least 4)", hint);
  uint32_t magic = read_be32(bytes.data());
  if (magic != expected_magic)
    throw FormatError(path + ": bad IDX magic number " + hex32(magic) + ", expected " +
                          hex32(expected_magic),
                      expected_magic == kIdxImagesMagic ? "is this an IDX images file?"
                                                        : "is this an IDX labels file?");
  size_t ndims = expected_magic & 0xff;
  size_t header = 4 + 4 * ndims;
  if (bytes.size() < header)
    throw FormatError(path + ": truncated IDX header (" + std::to_string(bytes.size()) +
                          " bytes, expected " + std::to_string(header) + ")", hint);
  IdxFile f;
  size_t payload = 1;
  for (size_t d = 0; d < ndims; ++d) {
    uint32_t dim = read_be32(bytes.data() + 4 + 4 * d);
    if (dim == 0) throw FormatError(path + ": IDX dimension " + std::to_string(d) + " is 0", hint);
    f.dims.push_back(dim);
    payload *= dim;
  }
  size_t expected = header + payload;
  if (bytes.size() != expected)
    throw FormatError(path + ": file is " + std::to_string(bytes.size()) + " bytes but its IDX header says " +
                          std::to_string(expected) + (bytes.size() < expected ? " (truncated)" : " (trailing bytes)"),
                      hint);
  f.data_offset = header;
  f.bytes = std::move(bytes);
  return f;
}

IdxDataset::IdxDataset(const std::string& images_path, const std::string& labels_path, std::string title,
                       int num_classes)
    : title_(std::move(title)), num_classes_(num_classes) {
  images_ = parse_idx(read_file_maybe_gzip(images_path), kIdxImagesMagic, images_path);
  IdxFile labels = parse_idx(read_file_maybe_gzip(labels_path), kIdxLabelsMagic, labels_path);
  if (images_.dims[0] != labels.dims[0])
    throw FormatError(images_path + " holds " + std::to_string(images_.dims[0]) + " images but " + labels_path +
                          " holds " + std::to_string(labels.dims[0]) + " labels",
                      "the two files must come from the same split");
  shape_ = ImageShape{1, int(images_.dims[1]), int(images_.dims[2])};
  labels_.assign(labels.data(), labels.data() + labels.dims[0]);
  for (size_t i = 0; i < labels_.size(); ++i)
    if (labels_[i] >= num_classes_)
      throw FormatError(labels_path + ": label " + std::to_string(labels_[i]) + " of sample " + std::to_string(i) +
                            " is not below " + std::to_string(num_classes_),
                        "the labels file is corrupt");
}

void IdxDataset::read_image(size_t i, uint8_t* out) const {
  std::memcpy(out, images_.data() + i * shape_.bytes(), shape_.bytes());
}

std::string IdxDataset::describe() const {
  return title_ + " (" + std::to_string(size()) + " images, " + std::to_string(shape_.channels) + "x" +
         std::to_string(shape_.height) + "x" + std::to_string(shape_.width) + ")";
}

std::unique_ptr<Dataset> open_idx_dataset(const std::string& name, const std::string& data_path, bool train) {
  std::string hint = name == "mnist" ? "run scripts/install-deps.sh to fetch MNIST, or point --data-path at the folder "
                                       "holding the IDX files"
                                     : "run scripts/install-deps.sh to fetch Fashion-MNIST (Debian package "
                                       "dataset-fashion-mnist), or point --data-path at the folder holding "
                                       "the IDX files";
  if (!is_directory(data_path)) throw FileError(name + ": data path " + data_path + " is not a directory", hint);
  std::string prefix = train ? "train" : "t10k";
  std::string images_name = prefix + "-images-idx3-ubyte", labels_name = prefix + "-labels-idx1-ubyte";
  std::string images = find_raw_or_gz(data_path, images_name);
  std::string labels = find_raw_or_gz(data_path, labels_name);
  for (const auto& [found, file] : {std::pair{images, images_name}, std::pair{labels, labels_name}})
    if (found.empty())
      throw FileError(name + ": cannot find " + join_path(data_path, file) + " (or " + file + ".gz)", hint);
  return std::make_unique<IdxDataset>(images, labels, name + (train ? " train" : " test"));
}

}  // namespace ttq::data
