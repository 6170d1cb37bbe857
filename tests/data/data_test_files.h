// Writers for small dataset files in their exact on-disk formats, used by the data tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::data::testing {

// A fresh directory, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes);  // with zlib's gzwrite
std::vector<uint8_t> read_back(const std::string& path);
void write_text(const std::string& path, const std::string& text);
void make_dirs(const std::string& path);

// IDX file bytes: magic 0x0000080<ndims>, big-endian dims, then the payload.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload);

// A deterministic pixel value for (image, byte) so tests can check what comes back.
inline uint8_t pixel_pattern(size_t image, size_t byte) { return uint8_t((image * 37 + byte * 11 + 5) % 256); }

// Writes an RGB (channels 3) or grey (channels 1) PNG from HWC pixels.
void write_png(const std::string& path, int width, int height, int channels, const std::vector<uint8_t>& hwc);

// A JPEG (lossy: only its size and rough colour come back).
void write_jpg(const std::string& path, int width, int height, int channels, const std::vector<uint8_t>& hwc);

}  // namespace ttq::data::testing
