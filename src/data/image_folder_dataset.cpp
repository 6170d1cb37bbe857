#include "data/image_folder_dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"
#include "data/file_bytes.h"
#include "data/image_decode.h"

namespace ttq::data {
namespace fs = std::filesystem;
namespace {

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

// Every image file below dir, sorted so the order does not depend on the file system.
std::vector<std::string> images_below(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
       !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && has_image_extension(it->path())) files.push_back(it->path().string());
  if (ec) throw FileError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> subdirectories(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) names.push_back(it->path().filename().string());
  if (ec) throw FileError("cannot list " + dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> read_wnids(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError("cannot open " + path);
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) names.push_back(trim(line));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.empty()) throw FormatError(path + ": lists no classes", "one class name (wnid) per line");
  return names;
}

// Entries of a class-folder split (train/ or val/ with one folder per class).
std::vector<ImageFolderEntry> class_folder_entries(const std::string& split_dir, const std::vector<std::string>& classes,
                                                   const std::string& hint) {
  std::map<std::string, int> index;
  for (size_t c = 0; c < classes.size(); ++c) index[classes[c]] = int(c);
  for (const std::string& sub : subdirectories(split_dir))
    if (!index.count(sub))
      throw FormatError(join_path(split_dir, sub) + ": folder is not one of the " + std::to_string(classes.size()) +
                            " classes", hint);
  std::vector<ImageFolderEntry> entries;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::string dir = join_path(split_dir, classes[c]);
    if (!is_directory(dir)) continue;  // a class with no samples in this split
    for (std::string& f : images_below(dir)) entries.push_back({std::move(f), int(c)});
  }
  return entries;
}

// Tiny ImageNet's val split: val/images/* labelled by val/val_annotations.txt.
std::vector<ImageFolderEntry> annotated_entries(const std::string& val_dir, const std::vector<std::string>& classes) {
  std::string ann = join_path(val_dir, "val_annotations.txt");
  std::ifstream in(ann);
  if (!in) throw FileError("cannot open " + ann);
  std::map<std::string, int> index;
  for (size_t c = 0; c < classes.size(); ++c) index[classes[c]] = int(c);
  std::vector<ImageFolderEntry> entries;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (trim(line).empty()) continue;
    std::istringstream fields(line);
    std::string file, wnid;
    if (!std::getline(fields, file, '\t') || !std::getline(fields, wnid, '\t') || trim(file).empty())
      throw FormatError(ann + ":" + std::to_string(line_no) + ": expected \"file<TAB>class<TAB>...\"");
    wnid = trim(wnid);
    auto it = index.find(wnid);
    if (it == index.end())
      throw FormatError(ann + ":" + std::to_string(line_no) + ": class " + wnid + " is not among the " +
                            std::to_string(classes.size()) + " classes",
                        "the annotations must use the class names of train/ (or wnids.txt)");
    std::string path = join_path(join_path(val_dir, "images"), trim(file));
    if (!is_file(path)) throw FileError(ann + ":" + std::to_string(line_no) + ": image " + path + " does not exist");
    entries.push_back({path, it->second});
  }
  return entries;
}

}  // namespace

ImageFolderDataset::ImageFolderDataset(std::vector<std::string> classes, std::vector<ImageFolderEntry> entries,
                                       std::string title, int expect_height, int expect_width)
    : classes_(std::move(classes)), entries_(std::move(entries)), title_(std::move(title)) {
  if (entries_.empty()) throw FileError(title_ + ": no images found");
  const std::string& first = entries_[0].path;
  ImageInfo info = probe_image(read_file_bytes(first), first);
  if (expect_height > 0 && (info.height != expect_height || info.width != expect_width))
    throw FormatError(first + ": image is " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                          ", expected " + std::to_string(expect_width) + "x" + std::to_string(expect_height));
  shape_ = ImageShape{3, info.height, info.width};  // always RGB, as torchvision's loader does
}

void ImageFolderDataset::read_image(size_t i, uint8_t* out) const {
  const std::string& path = entries_[i].path;
  ImageInfo info;
  std::vector<uint8_t> hwc = decode_image(read_file_bytes(path), shape_.channels, path, &info);
  if (info.height != shape_.height || info.width != shape_.width)
    throw FormatError(path + ": image is " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                          " but the dataset's images are " + std::to_string(shape_.width) + "x" +
                          std::to_string(shape_.height),
                      "all images of a dataset must have one size; resize them beforehand");
  const size_t plane = size_t(shape_.height) * shape_.width;
  const int c = shape_.channels;
  for (int ch = 0; ch < c; ++ch)
    for (size_t p = 0; p < plane; ++p) out[ch * plane + p] = hwc[p * c + ch];
}

std::string ImageFolderDataset::describe() const {
  return title_ + " (" + std::to_string(size()) + " images, " + std::to_string(classes_.size()) + " classes, " +
         std::to_string(shape_.channels) + "x" + std::to_string(shape_.height) + "x" + std::to_string(shape_.width) +
         ")";
}

std::unique_ptr<Dataset> open_image_folder_dataset(const std::string& name, const std::string& data_path,
                                                   bool train) {
  const bool tiny = name == "tiny-imagenet";
  const std::string hint = tiny ? "point --data-path at the extracted tiny-imagenet-200 folder (holding train/, "
                                  "val/ and wnids.txt)"
                                : "point --data-path at a folder holding train/<class>/*.png|jpg and "
                                  "val/<class>/*.png|jpg";
  if (!is_directory(data_path)) throw FileError(name + ": data path " + data_path + " is not a directory", hint);
  const std::string train_dir = join_path(data_path, "train");
  std::string val_dir = join_path(data_path, "val");
  if (!is_directory(val_dir) && is_directory(join_path(data_path, "test"))) val_dir = join_path(data_path, "test");
  const bool annotated_val = is_file(join_path(val_dir, "val_annotations.txt"));

  std::vector<std::string> classes;
  if (is_file(join_path(data_path, "wnids.txt"))) {
    classes = read_wnids(join_path(data_path, "wnids.txt"));
  } else if (is_directory(train_dir)) {
    classes = subdirectories(train_dir);
  } else if (!train && is_directory(val_dir) && !annotated_val) {
    classes = subdirectories(val_dir);
  }
  if (classes.empty()) throw FileError(name + ": cannot find class folders in " + train_dir, hint);

  const std::string split_dir = train ? train_dir : val_dir;
  if (!is_directory(split_dir)) throw FileError(name + ": cannot find " + split_dir, hint);
  std::vector<ImageFolderEntry> entries = (!train && annotated_val) ? annotated_entries(val_dir, classes)
                                                                    : class_folder_entries(split_dir, classes, hint);
  if (entries.empty())
    throw FileError(name + ": found no .png/.jpg/.jpeg/.bmp images under " + split_dir, hint);
  return std::make_unique<ImageFolderDataset>(std::move(classes), std::move(entries),
                                              name + (train ? " train" : " val"), tiny ? 64 : 0, tiny ? 64 : 0);
}

}  // namespace ttq::data
