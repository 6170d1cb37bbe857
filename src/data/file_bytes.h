// Whole-file reads for the dataset loaders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::data {

// Reads a file completely. A gzip file is decompressed (zlib reads a plain file
// unchanged), so IDX files work raw or as .gz.
// Throws FileError if the file cannot be opened, FormatError if the gzip stream
// is corrupt or truncated.
std::vector<uint8_t> read_file_maybe_gzip(const std::string& path);

// Reads a plain file completely. Throws FileError if it cannot be read.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// True if path names an existing regular file (or a link to one).
bool is_file(const std::string& path);
// True if path names an existing directory.
bool is_directory(const std::string& path);
// "a/b" joined the way the loaders need it (no normalisation).
std::string join_path(const std::string& dir, const std::string& name);

}  // namespace ttq::data
