// ImageFolder datasets (torchvision's layout), Tiny ImageNet included:
//   data_path/train/<class>/**/*.{png,jpg,jpeg,bmp}
//   data_path/val/<class>/**/*...                      (or test/ when there is no val/)
//   data_path/val/images/*.JPEG + val/val_annotations.txt  (Tiny ImageNet: "file<TAB>wnid<TAB>bbox...")
// Class index = position in the sorted class names (wnids.txt if present, else train's folders).
// Images are decoded lazily, as RGB, and must all have the size of the first one.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace ttq::data {

struct ImageFolderEntry {
  std::string path;
  int label = 0;
};

class ImageFolderDataset : public Dataset {
 public:
  // Probes the first entry for the image size. If expect_height/width are > 0 that size is
  // required. Throws FileError / FormatError.
  ImageFolderDataset(std::vector<std::string> classes, std::vector<ImageFolderEntry> entries, std::string title,
                     int expect_height = 0, int expect_width = 0);

  size_t size() const override { return entries_.size(); }
  ImageShape shape() const override { return shape_; }
  int num_classes() const override { return int(classes_.size()); }
  int label(size_t i) const override { return entries_[i].label; }
  // Reads and decodes the file now; FileError / FormatError naming it if it is unreadable,
  // undecodable or of another size.
  void read_image(size_t i, uint8_t* out) const override;
  std::string describe() const override;

  const std::vector<std::string>& classes() const { return classes_; }
  const std::string& path(size_t i) const { return entries_[i].path; }

 private:
  std::vector<std::string> classes_;
  std::vector<ImageFolderEntry> entries_;
  std::string title_;
  ImageShape shape_;
};

// name is "imagefolder" or "tiny-imagenet" (which also requires 64x64 images).
std::unique_ptr<Dataset> open_image_folder_dataset(const std::string& name, const std::string& data_path,
                                                   bool train);

}  // namespace ttq::data
