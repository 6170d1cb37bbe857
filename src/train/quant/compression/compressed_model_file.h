// The Deep Compression model file `ttq compress` writes. Torch-free.
//
// Layout (all integers little-endian):
//   8 bytes magic "TTQDC\0\0\1" (format version 1 in the last byte), u32 entry count,
//   per entry: u16 name length, name, u8 kind, u8 rank, rank x u32 dims,
//              u32 byte count, the bytes:
//     kind 0 (raw):    fp32 values, row-major (BatchNorm, biases, first conv, last FC)
//     kind 1 (shared): a shared_weight_codec.h buffer (pruned, k-means, Huffman-coded)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::train::compression {

enum class EntryKind : uint8_t { raw_fp32 = 0, shared_weights = 1 };

struct CompressedEntry {
  std::string name;  // "layer1.0.conv1.weight", "bn1.running_mean", ...
  EntryKind kind = EntryKind::raw_fp32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

// Whole file as bytes, and back. decode throws FormatError (naming `what`) on bad input.
std::vector<uint8_t> serialize_compressed(const std::vector<CompressedEntry>& entries);
std::vector<CompressedEntry> parse_compressed(const std::vector<uint8_t>& file, const std::string& what);

void write_compressed_file(const std::string& path, const std::vector<CompressedEntry>& entries);  // atomic
std::vector<CompressedEntry> read_compressed_file(const std::string& path);

// An entry's values (fp32, row-major), whatever its kind.
std::vector<float> entry_values(const CompressedEntry& entry);

}  // namespace ttq::train::compression
