// PNG/JPEG/BMP decoding for ImageFolder datasets (stb_image, compiled into image_decode.cpp only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::data {

struct ImageInfo {
  int width = 0, height = 0, channels = 0;  // channels as stored in the file
};

// Reads the header only. Throws FormatError naming path if it is not a decodable image.
ImageInfo probe_image(const std::vector<uint8_t>& file_bytes, const std::string& path);

// Decodes to exactly `channels` channels (1 or 3; stb converts grey <-> RGB and drops
// alpha), HWC u8. Thread-safe. Throws FormatError naming path.
std::vector<uint8_t> decode_image(const std::vector<uint8_t>& file_bytes, int channels, const std::string& path,
                                  ImageInfo* info);

}  // namespace ttq::data
