// The one translation unit that compiles stb_image. STB_IMAGE_STATIC keeps its symbols
// private, so another library that also embeds stb_image cannot clash with ours.
// stb_image trips GCC's -Wmaybe-uninitialized when inlined into our callers; it is not our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include <climits>

#include "common/error.h"
#include "data/image_decode.h"

namespace ttq::data {
namespace {

int checked_length(const std::vector<uint8_t>& bytes, const std::string& path) {
  if (bytes.size() > size_t(INT_MAX)) throw FormatError(path + ": image file is too large to decode");
  return int(bytes.size());
}

}  // namespace

ImageInfo probe_image(const std::vector<uint8_t>& file_bytes, const std::string& path) {
  ImageInfo info;
  if (!stbi_info_from_memory(file_bytes.data(), checked_length(file_bytes, path), &info.width, &info.height,
                             &info.channels))
    throw FormatError(path + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")",
                      "the file is corrupt or not a PNG/JPEG/BMP image");
  return info;
}

std::vector<uint8_t> decode_image(const std::vector<uint8_t>& file_bytes, int channels, const std::string& path,
                                  ImageInfo* info) {
  ImageInfo local;
  stbi_uc* pixels = stbi_load_from_memory(file_bytes.data(), checked_length(file_bytes, path), &local.width,
                                          &local.height, &local.channels, channels);
  if (!pixels)
    throw FormatError(path + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")",
                      "the file is corrupt or not a PNG/JPEG/BMP image");
  std::vector<uint8_t> hwc(pixels, pixels + size_t(local.width) * local.height * channels);
  stbi_image_free(pixels);
  if (info) *info = local;
  return hwc;
}

}  // namespace ttq::data
