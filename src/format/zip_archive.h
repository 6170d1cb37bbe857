// The zip container PyTorch writes with torch.save (since PyTorch 1.6): a strict reader
// of stored and deflated entries (zip64 included) and a writer of stored entries whose
// data start on 64-byte boundaries, as PyTorch lays them out. Torch-free; knows nothing
// about what the entries hold (see torch_state_dict.h).
//
// The reader trusts nothing: offsets, sizes and names come from a file that may be
// truncated or hostile, so every one is bounds-checked and each entry's CRC-32 is
// verified; any violation is a FormatError naming the origin and the entry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ttq::format::zip {

struct Entry {
  std::string name;
  uint16_t method = 0;       // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;         // uncompressed
  uint64_t data_offset = 0;  // of the (compressed) data in the archive
};

class Reader {
 public:
  // Parses the central directory of `bytes`, which must outlive the Reader.
  // Throws FormatError ("<origin>: ...") on anything malformed: no end-of-central-
  // directory record, entries out of bounds or overlapping the directory, encrypted
  // or multi-disk archives, methods other than stored/deflated, duplicate names.
  Reader(std::string_view bytes, std::string origin);

  const std::vector<Entry>& entries() const { return entries_; }
  // The entry called `name`, or nullptr.
  const Entry* find(std::string_view name) const;
  // The entry's uncompressed contents, CRC-checked. A stored entry is returned
  // without copying when `scratch` is not needed; a deflated one is inflated into
  // `scratch`. The view is valid while `bytes` and `scratch` are.
  std::string_view read(const Entry& entry, std::string& scratch) const;
  const std::string& origin() const { return origin_; }

 private:
  std::string_view bytes_;
  std::string origin_;
  std::vector<Entry> entries_;
};

// Writes an archive of stored entries, each one's data aligned to 64 bytes (so a
// memory-mapped reader can use tensors in place). Names are written as given.
class Writer {
 public:
  void add(std::string name, std::string_view data);
  // The whole archive. Throws FormatError if it would need zip64 (4 GiB or more).
  std::string finish();

 private:
  struct Pending {
    std::string name;
    uint32_t crc32;
    uint64_t size, header_offset;
  };
  std::string out_;
  std::vector<Pending> written_;
};

}  // namespace ttq::format::zip
