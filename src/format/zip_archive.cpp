#include "format/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "common/error.h"

namespace ttq::format::zip {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kPaddingExtraId = 0x7174;  // ours: alignment padding, skipped by every reader
constexpr size_t kAlignment = 64;
// Deflate cannot expand more than ~1032:1; a larger claimed size is a corrupt header,
// and believing it would allocate whatever a hostile file asks for.
constexpr uint64_t kMaxDeflateRatio = 1032;

const char* const kHint = "the file is truncated or corrupt; save it again with torch.save";

uint16_t u16(const char* p) { return uint16_t(uint8_t(p[0]) | uint8_t(p[1]) << 8); }
uint32_t u32(const char* p) { return uint32_t(u16(p)) | uint32_t(u16(p + 2)) << 16; }
uint64_t u64(const char* p) { return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32; }

void put16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xff));
  s.push_back(char(v >> 8));
}
void put32(std::string& s, uint32_t v) {
  put16(s, uint16_t(v & 0xffff));
  put16(s, uint16_t(v >> 16));
}

uint32_t crc_of(std::string_view data) {
  return uint32_t(crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// The zip64 extended-information field of a central directory entry: the 64-bit
// values of whichever 32-bit fields hold their "see zip64" marker, in spec order.
void apply_zip64_extra(std::string_view extra, Entry& e, bool need_size, bool need_compressed, bool need_offset,
                       const std::string& where) {
  while (extra.size() >= 4) {
    const uint16_t id = u16(extra.data()), len = u16(extra.data() + 2);
    if (len > extra.size() - 4) throw FormatError(where + ": extra field runs past its entry", kHint);
    if (id == kZip64ExtraId) {
      std::string_view field = extra.substr(4, len);
      auto take = [&](uint64_t& v) {
        if (field.size() < 8) throw FormatError(where + ": zip64 field too short", kHint);
        v = u64(field.data());
        field.remove_prefix(8);
      };
      if (need_size) take(e.size);
      if (need_compressed) take(e.compressed_size);
      if (need_offset) take(e.data_offset);  // the local header's offset, resolved by the caller
      return;
    }
    extra.remove_prefix(4 + size_t(len));
  }
  if (need_size || need_compressed || need_offset) throw FormatError(where + ": zip64 sizes missing", kHint);
}

}  // namespace

Reader::Reader(std::string_view bytes, std::string origin) : bytes_(bytes), origin_(std::move(origin)) {
  const auto fail = [&](const std::string& what) { throw FormatError(origin_ + ": not a valid zip archive: " + what, kHint); };
  if (bytes.size() < kEndSize) fail("too short");

  // The end-of-central-directory record: the last one whose comment reaches the end of the file.
  size_t end = std::string_view::npos;
  const size_t lowest = bytes.size() >= kEndSize + 0xffff ? bytes.size() - kEndSize - 0xffff : 0;
  for (size_t p = bytes.size() - kEndSize + 1; p-- > lowest;) {
    if (u32(bytes.data() + p) == kEndOfDirectory && p + kEndSize + u16(bytes.data() + p + 20) == bytes.size()) {
      end = p;
      break;
    }
  }
  if (end == std::string_view::npos) fail("no end-of-central-directory record");
  const char* e = bytes.data() + end;
  if (u16(e + 4) != 0 || u16(e + 6) != 0 || u16(e + 8) != u16(e + 10)) fail("multi-disk archives are not supported");
  uint64_t count = u16(e + 10), dir_size = u32(e + 12), dir_offset = u32(e + 16);
  uint64_t dir_end_limit = end;  // the directory must end before this

  if (end >= kZip64LocatorSize && u32(e - kZip64LocatorSize) == kZip64Locator) {
    const char* loc = e - kZip64LocatorSize;
    const uint64_t z64 = u64(loc + 8);
    if (u32(loc + 4) != 0 || u32(loc + 16) > 1) fail("multi-disk archives are not supported");
    if (z64 > end - kZip64LocatorSize || end - kZip64LocatorSize - z64 < kZip64EndSize) fail("zip64 record out of bounds");
    const char* r = bytes.data() + z64;
    if (u32(r) != kZip64End) fail("bad zip64 end-of-directory signature");
    if (u32(r + 16) != 0 || u32(r + 20) != 0 || u64(r + 24) != u64(r + 32)) fail("multi-disk archives are not supported");
    count = u64(r + 32);
    dir_size = u64(r + 40);
    dir_offset = u64(r + 48);
    dir_end_limit = z64;
  }
  if (dir_offset > dir_end_limit || dir_size > dir_end_limit - dir_offset) fail("central directory out of bounds");
  if (count > dir_size / kCentralSize) fail("central directory too small for its " + std::to_string(count) + " entries");

  std::set<std::string> names;
  size_t p = dir_offset;
  const size_t dir_end = dir_offset + dir_size;
  entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (dir_end - p < kCentralSize || u32(bytes.data() + p) != kCentralHeader) fail("bad central directory entry " + std::to_string(i));
    const char* c = bytes.data() + p;
    const size_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
    if (dir_end - p - kCentralSize < name_len + extra_len + comment_len) fail("central directory entry " + std::to_string(i) + " runs past the directory");
    Entry entry;
    entry.name.assign(c + kCentralSize, name_len);
    const std::string where = origin_ + ": entry '" + entry.name + "'";
    const uint16_t flags = u16(c + 8);
    entry.method = u16(c + 10);
    entry.crc32 = u32(c + 16);
    entry.compressed_size = u32(c + 20);
    entry.size = u32(c + 24);
    entry.data_offset = u32(c + 42);  // the local header, for now
    apply_zip64_extra(std::string_view(c + kCentralSize + name_len, extra_len), entry, entry.size == 0xffffffffu,
                      entry.compressed_size == 0xffffffffu, entry.data_offset == 0xffffffffu, where);
    if (flags & 0x41) throw FormatError(where + " is encrypted", kHint);
    if (entry.method != 0 && entry.method != 8) {
      throw FormatError(where + " uses compression method " + std::to_string(entry.method), "only stored and deflated entries are read");
    }
    if (entry.method == 0 && entry.compressed_size != entry.size) throw FormatError(where + ": stored entry with two sizes", kHint);
    if (entry.method == 8 && entry.size > entry.compressed_size * kMaxDeflateRatio + 64) {
      throw FormatError(where + ": implausible uncompressed size", kHint);
    }
    // The local header repeats the name; the data follow it and end before the directory.
    const uint64_t local = entry.data_offset;
    if (local > dir_offset || dir_offset - local < kLocalSize || u32(bytes.data() + local) != kLocalHeader) {
      throw FormatError(where + ": bad local header", kHint);
    }
    const char* l = bytes.data() + local;
    const uint64_t data = local + kLocalSize + u16(l + 26) + u16(l + 28);
    if (data > dir_offset || entry.compressed_size > dir_offset - data) throw FormatError(where + ": data out of bounds", kHint);
    if (u16(l + 26) != name_len || std::memcmp(l + kLocalSize, entry.name.data(), name_len) != 0) {
      throw FormatError(where + ": local header names another entry", kHint);
    }
    entry.data_offset = data;
    entries_.push_back(std::move(entry));
    if (!names.insert(entries_.back().name).second) throw FormatError(where + " appears twice", kHint);
    p += kCentralSize + name_len + extra_len + comment_len;
  }
}

const Entry* Reader::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::string_view Reader::read(const Entry& entry, std::string& scratch) const {
  const std::string where = origin_ + ": entry '" + entry.name + "'";
  std::string_view data = bytes_.substr(entry.data_offset, entry.compressed_size);
  if (entry.method == 8) {
    scratch.assign(entry.size, '\0');
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw FormatError(where + ": cannot start inflating");
    int rc = Z_OK;
    size_t in_done = 0, out_done = 0;
    // zlib counts in uInt; feed and drain at most 1 GiB at a time.
    constexpr size_t kStep = size_t(1) << 30;
    while (rc == Z_OK) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_done));
      z.avail_in = uInt(std::min(kStep, data.size() - in_done));
      z.next_out = reinterpret_cast<Bytef*>(scratch.data() + out_done);
      z.avail_out = uInt(std::min(kStep, scratch.size() - out_done));
      const uInt in_before = z.avail_in, out_before = z.avail_out;
      rc = inflate(&z, Z_NO_FLUSH);
      in_done += in_before - z.avail_in;
      out_done += out_before - z.avail_out;
      if (rc == Z_OK && in_before == z.avail_in && out_before == z.avail_out) rc = Z_BUF_ERROR;  // no progress
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || out_done != entry.size || in_done != data.size()) {
      throw FormatError(where + ": deflated data are corrupt", kHint);
    }
    data = scratch;
  }
  if (crc_of(data) != entry.crc32) throw FormatError(where + ": CRC-32 mismatch", kHint);
  return data;
}

void Writer::add(std::string name, std::string_view data) {
  if (name.size() > 0xffff) throw FormatError("zip entry name too long: " + name.substr(0, 64) + "...");
  const uint64_t header = out_.size();
  const size_t unpadded = header + kLocalSize + name.size() + 4;  // 4: the padding field's own header
  const size_t pad = (kAlignment - unpadded % kAlignment) % kAlignment;
  const uint32_t crc = crc_of(data);
  put32(out_, kLocalHeader);
  put16(out_, 20);      // version needed: 2.0
  put16(out_, 0);       // flags
  put16(out_, 0);       // stored
  put16(out_, 0);       // time: 00:00:00 (fixed, so the same model writes the same bytes)
  put16(out_, 0x21);    // date: 1980-01-01
  put32(out_, crc);
  put32(out_, uint32_t(std::min<uint64_t>(data.size(), 0xffffffffu)));
  put32(out_, uint32_t(std::min<uint64_t>(data.size(), 0xffffffffu)));
  put16(out_, uint16_t(name.size()));
  put16(out_, uint16_t(4 + pad));
  out_ += name;
  put16(out_, kPaddingExtraId);
  put16(out_, uint16_t(pad));
  out_.append(pad, '\0');
  out_.append(data);
  written_.push_back({std::move(name), crc, data.size(), header});
}

std::string Writer::finish() {
  constexpr uint64_t kLimit = 0xffffffffu;
  const uint64_t dir_offset = out_.size();
  if (dir_offset >= kLimit || written_.size() >= 0xffff) {
    throw FormatError("the archive would need zip64 (4 GiB or 65535 entries)", "write a .safetensors file instead");
  }
  for (const auto& w : written_) {
    put32(out_, kCentralHeader);
    put16(out_, 20);  // made by: 2.0
    put16(out_, 20);  // needed: 2.0
    put16(out_, 0);
    put16(out_, 0);
    put16(out_, 0);
    put16(out_, 0x21);
    put32(out_, w.crc32);
    put32(out_, uint32_t(w.size));
    put32(out_, uint32_t(w.size));
    put16(out_, uint16_t(w.name.size()));
    put16(out_, 0);  // extra
    put16(out_, 0);  // comment
    put16(out_, 0);  // disk
    put16(out_, 0);  // internal attributes
    put32(out_, 0);  // external attributes
    put32(out_, uint32_t(w.header_offset));
    out_ += w.name;
  }
  const uint64_t dir_size = out_.size() - dir_offset;
  put32(out_, kEndOfDirectory);
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, uint16_t(written_.size()));
  put16(out_, uint16_t(written_.size()));
  put32(out_, uint32_t(dir_size));
  put32(out_, uint32_t(dir_offset));
  put16(out_, 0);
  written_.clear();
  return std::move(out_);
}

}  // namespace ttq::format::zip
