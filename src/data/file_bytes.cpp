#include "data/file_bytes.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace ttq::data {

namespace {

bool starts_with_gzip_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

std::vector<uint8_t> read_file_maybe_gzip(const std::string& path) {
  // Plain files are read directly (zlib could pass them through, but more slowly).
  if (!starts_with_gzip_magic(path)) return read_file_bytes(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw FileError("cannot open " + path, "check the path and its permissions");
  gzbuffer(f, 1 << 17);
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    int n = gzread(f, chunk.data(), unsigned(chunk.size()));
    if (n > 0) {
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
      continue;
    }
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    // A truncated gzip stream ends with Z_BUF_ERROR ("unexpected end of file").
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      std::string why = msg ? msg : "read error";
      gzclose(f);
      if (err == Z_ERRNO) throw FileError("cannot read " + path + ": " + why);
      throw FormatError(path + ": corrupt or truncated gzip data (" + why + ")",
                        "re-download the file");
    }
    break;
  }
  gzclose(f);
  return bytes;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open " + path, "check the path and its permissions");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) throw FileError("cannot read " + path);
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw FileError("cannot read " + path);
  return bytes;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace ttq::data
