#include "train/quant/compression/compressed_model_file.h"

#include <cstring>

#include "common/atomic_file.h"
#include "common/error.h"
#include "train/quant/compression/huffman.h"
#include "train/quant/compression/shared_weight_codec.h"

namespace ttq::train::compression {
namespace {

constexpr uint8_t kMagic[8] = {'T', 'T', 'Q', 'D', 'C', 0, 0, 1};

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

std::vector<uint8_t> serialize_compressed(const std::vector<CompressedEntry>& entries) {
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put_u32(out, uint32_t(entries.size()));
  for (const CompressedEntry& e : entries) {
    put_u16(out, uint16_t(e.name.size()));
    out.insert(out.end(), e.name.begin(), e.name.end());
    out.push_back(uint8_t(e.kind));
    out.push_back(uint8_t(e.shape.size()));
    for (int64_t d : e.shape) put_u32(out, uint32_t(d));
    put_u32(out, uint32_t(e.bytes.size()));
    out.insert(out.end(), e.bytes.begin(), e.bytes.end());
  }
  return out;
}

std::vector<CompressedEntry> parse_compressed(const std::vector<uint8_t>& f, const std::string& what) {
  try {
    if (f.size() < 8 || std::memcmp(f.data(), kMagic, 7) != 0)
      throw FormatError("'" + what + "' is not a ttq Deep Compression file", "write one with `ttq compress`");
    if (f[7] != kMagic[7]) throw FormatError("'" + what + "' has format version " + std::to_string(f[7]));
    size_t pos = 8;
    const uint32_t count = get_u32(f.data(), f.size(), pos);
    std::vector<CompressedEntry> entries;
    for (uint32_t i = 0; i < count; ++i) {
      CompressedEntry e;
      const uint16_t len = get_u16(f.data(), f.size(), pos);
      if (pos + len > f.size()) throw FormatError("entry name runs past the end");
      e.name.assign(reinterpret_cast<const char*>(&f[pos]), len);
      pos += len;
      if (pos + 2 > f.size()) throw FormatError("entry '" + e.name + "' is truncated");
      const uint8_t kind = f[pos++], rank = f[pos++];
      if (kind > 1) throw FormatError("entry '" + e.name + "' has unknown kind " + std::to_string(kind));
      e.kind = EntryKind(kind);
      for (int d = 0; d < rank; ++d) e.shape.push_back(get_u32(f.data(), f.size(), pos));
      const uint32_t bytes = get_u32(f.data(), f.size(), pos);
      if (bytes > f.size() - pos) throw FormatError("entry '" + e.name + "' runs past the end");
      e.bytes.assign(f.begin() + long(pos), f.begin() + long(pos + bytes));
      pos += bytes;
      entries.push_back(std::move(e));
    }
    if (pos != f.size()) throw FormatError(std::to_string(f.size() - pos) + " bytes after the last entry");
    return entries;
  } catch (const FormatError& e) {
    if (std::string(e.what()).find(what) != std::string::npos) throw;
    throw FormatError("'" + what + "': " + e.what(), "the file is truncated or corrupt");
  }
}

void write_compressed_file(const std::string& path, const std::vector<CompressedEntry>& entries) {
  const std::vector<uint8_t> bytes = serialize_compressed(entries);
  write_file_atomically(path, [&](std::ostream& os) { os.write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size())); });
}

std::vector<CompressedEntry> read_compressed_file(const std::string& path) {
  const std::string s = read_file(path);
  return parse_compressed(std::vector<uint8_t>(s.begin(), s.end()), path);
}

std::vector<float> entry_values(const CompressedEntry& e) {
  const int64_t n = element_count(e.shape);
  if (e.kind == EntryKind::raw_fp32) {
    if (int64_t(e.bytes.size()) != 4 * n) throw FormatError("entry '" + e.name + "' has the wrong byte count for its shape");
    std::vector<float> v(static_cast<size_t>(n));
    if (n) std::memcpy(v.data(), e.bytes.data(), e.bytes.size());
    return v;
  }
  const SharedWeightLayer layer = decode_shared_weights(e.bytes.data(), e.bytes.size());
  if (int64_t(layer.assignment.size()) != n) throw FormatError("entry '" + e.name + "' codes another number of weights than its shape");
  return dense_weights(layer);
}

}  // namespace ttq::train::compression
