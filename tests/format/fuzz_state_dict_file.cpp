// Mutation fuzzer for the PyTorch state-dict readers (state_dict_file.h): the zip
// archive, the pickle machine and the tensor decoder behind parse_torch_state_dict,
// and parse_safetensors_state_dict. Each mutated input must load or throw a
// ttq::UserError; any other exception fails the run, and crashes, undefined
// behaviour and leaks are caught by the sanitizers this executable is built with.
//
// Seeds: the files PyTorch wrote in tests/format/data, and what our writers make of
// them. The zip reader checks each entry's CRC-32, so raw byte edits rarely get past
// it; most inputs are therefore made by editing one entry's contents (the pickle
// most often, opcode- and argument-aware) and packing the archive again, and some
// by editing the fields of the zip structure itself after packing.
//
// usage: ttq_state_dict_fuzz [iterations=30000] [seed=1] [fixture folder]
// On a failure the input is written to fuzz_state_dict_file_failure.bin. For a
// report the process cannot hook, rerun with the same arguments and
// TTQ_FUZZ_KEEP_INPUT=1 (every input is written there before it is parsed).
// TTQ_FUZZ_VERBOSE=1 also counts the error messages by kind (numbers and names blanked).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "format/state_dict_file.h"
#include "format/zip_archive.h"
#include "fuzz_support.h"

#ifndef TTQ_FORMAT_TEST_DATA
#define TTQ_FORMAT_TEST_DATA "tests/format/data"
#endif

namespace {

using ttq::format::StateDict;
using ttq::fuzz::save_current_input;
using Entries = std::vector<std::pair<std::string, std::string>>;  // name, uncompressed contents

const char* kCrashFile = "fuzz_state_dict_file_failure.bin";
constexpr unsigned kHangSeconds = 20;  // one input; normal ones take well under a millisecond

// ---- little-endian fields ----
uint64_t get_le(const std::string& s, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = v << 8 | (at + size_t(i) < s.size() ? uint8_t(s[at + size_t(i)]) : 0);
  return v;
}
void put_le(std::string& s, size_t at, int width, uint64_t v) {
  for (int i = 0; i < width && at + size_t(i) < s.size(); ++i) s[at + size_t(i)] = char((v >> (8 * i)) & 0xff);
}
std::string le(uint64_t v, int width) {
  std::string s(size_t(width), '\0');
  put_le(s, 0, width, v);
  return s;
}

// ---- the pickle's opcodes, as the protocol defines them (to edit whole opcodes and their arguments) ----
enum class Arg { none, fixed, counted, lines, unknown };  // counted: a length prefix, then that many bytes
struct OpInfo {
  Arg arg;
  int width;  // fixed: argument bytes; counted: bytes of the length prefix
};
OpInfo op_info(uint8_t op) {
  switch (op) {
    case 0x80: case 'q': case 'h': case 'K': return {Arg::fixed, 1};
    case 'M': return {Arg::fixed, 2};
    case 'r': case 'j': case 'J': return {Arg::fixed, 4};
    case 0x95: case 'G': return {Arg::fixed, 8};
    case 0x8a: case 0x8c: case 'U': case 'C': return {Arg::counted, 1};
    case 0x8b: case 'X': case 'T': case 'B': return {Arg::counted, 4};
    case 0x8d: case 0x8e: return {Arg::counted, 8};
    case 'c': return {Arg::lines, 2};
    case '(': case '.': case '0': case '1': case '2': case 0x94: case 'N': case 0x88: case 0x89: case ')': case 't':
    case 0x85: case 0x86: case 0x87: case ']': case 'l': case 'a': case 'e': case '}': case 'd': case 's': case 'u':
    case 0x93: case 'R': case 0x81: case 0x92: case 'b': case 'Q':
      return {Arg::none, 0};
    default: return {Arg::unknown, 0};
  }
}
bool is_string_op(uint8_t op) { return op == 'X' || op == 0x8c || op == 'U' || op == 'T' || op == 0x8d; }
bool is_int_op(uint8_t op) { return op == 'K' || op == 'M' || op == 'J' || op == 0x8a; }

struct Op {
  size_t pos, end;  // the opcode byte; one past its last argument byte
  uint8_t code;
  OpInfo info;
};

// The opcodes of p up to the first one that is unknown or runs past the end.
std::vector<Op> walk(const std::string& p) {
  std::vector<Op> ops;
  for (size_t pos = 0; pos < p.size();) {
    const uint8_t code = uint8_t(p[pos]);
    const OpInfo info = op_info(code);
    size_t end = pos + 1;
    if (info.arg == Arg::unknown) break;
    if (info.arg == Arg::fixed) {
      end += size_t(info.width);
    } else if (info.arg == Arg::counted) {
      const uint64_t n = get_le(p, end, info.width);
      if (n > p.size()) break;
      end += size_t(info.width) + size_t(n);
    } else if (info.arg == Arg::lines) {
      for (int line = 0; line < 2 && end <= p.size(); ++line) {
        const size_t nl = p.find('\n', end);
        end = nl == std::string::npos ? p.size() + 1 : nl + 1;
      }
    }
    if (end > p.size()) break;
    ops.push_back({pos, end, code, info});
    pos = end;
  }
  return ops;
}

std::vector<uint8_t> opcodes_where(bool known) {
  std::vector<uint8_t> v;
  for (int op = 0; op < 256; ++op)
    if ((op_info(uint8_t(op)).arg != Arg::unknown) == known) v.push_back(uint8_t(op));
  return v;
}
const std::vector<uint8_t> kKnownOps = opcodes_where(true);
const std::vector<uint8_t> kUnknownOps = opcodes_where(false);

// Opcode sequences worth inserting: stack, memo and container operations that
// shift what the following opcodes act on.
const std::vector<std::string> kSnippets = {
    "(", "t", "0", "1", "2", "N", ")", "R", "}", "]", "e", "u", "s", "a", "Q", "b", "d", "l", ".",
    "\x85", "\x86", "\x87", "\x93", "\x94", "\x81", "\x92", "\x88", std::string("h\0", 2), "h\x01",
    std::string("q\0", 2), std::string("j\0\0\0\0", 5), std::string("K\0", 2), "K\xff", std::string("X\0\0\0\0", 5),
    std::string("\x8c\0", 2), "})R", std::string("\x8a\x09", 2) + std::string(9, '\x01'),
};
const std::vector<std::string> kStrings = {
    "storage", "cpu", "cuda:0", "0", "1", "2", "9", "", "state_dict", "model", "__metadata__", "weight", "\xff\xfe\xfd",
    "torch", "torch._utils", "_rebuild_tensor_v2", "_rebuild_parameter", "collections", "OrderedDict", "FloatStorage",
    "HalfStorage", "DoubleStorage", "LongStorage", "BoolStorage", "ByteStorage", "BFloat16Storage", "QInt8Storage",
    "data.pkl", std::string(300, 'n'),
};
const std::vector<std::pair<const char*, const char*>> kGlobals = {
    {"torch._utils", "_rebuild_tensor_v2"}, {"torch._utils", "_rebuild_parameter"},
    {"torch._utils", "_rebuild_parameter_with_state"}, {"torch._utils", "_rebuild_qtensor"},
    {"torch", "FloatStorage"}, {"torch", "HalfStorage"}, {"torch", "DoubleStorage"}, {"torch", "LongStorage"},
    {"torch", "BoolStorage"}, {"torch", "ByteStorage"}, {"torch", "BFloat16Storage"}, {"torch", "QUInt8Storage"},
    {"collections", "OrderedDict"}, {"torch.nn.modules.linear", "Linear"}, {"os", "system"}, {"", ""},
};

// A readable seed, split into its entries so that edits of one entry can be packed
// again with valid CRCs.
struct Seed {
  std::string name;
  std::string bytes;
  bool safetensors = false;
  Entries entries;  // empty unless bytes is a zip archive the reader opens
};

std::string pack(const Entries& entries) {
  ttq::format::zip::Writer w;
  for (const auto& [name, data] : entries) w.add(name, data);
  return w.finish();
}

// ---- the zip structure ----
constexpr uint32_t kEndSig = 0x06054b50, kCentralSig = 0x02014b50, kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;

struct Field {
  size_t pos;
  int width;
};

// Every field of the end records, central directory entries (with their zip64
// values) and local headers of a well-formed archive z.
std::vector<Field> zip_fields(const std::string& z) {
  std::vector<Field> f;
  const size_t end = z.rfind(le(kEndSig, 4));
  if (end == std::string::npos || end + 22 > z.size()) return f;
  for (const Field& x : {Field{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 2}}) f.push_back({end + x.pos, x.width});
  uint64_t dir = get_le(z, end + 16, 4), count = get_le(z, end + 10, 2);
  if (end >= 20 && get_le(z, end - 20, 4) == kZip64LocatorSig) {
    const size_t loc = end - 20;
    for (const Field& x : {Field{4, 4}, {8, 8}, {16, 4}}) f.push_back({loc + x.pos, x.width});
    const uint64_t record = get_le(z, loc + 8, 8);
    if (record + 56 <= loc) {
      for (const Field& x : {Field{4, 8}, {16, 4}, {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 8}}) f.push_back({record + x.pos, x.width});
      dir = get_le(z, record + 48, 8);
      count = get_le(z, record + 32, 8);
    }
  }
  size_t p = dir;
  for (uint64_t i = 0; i < count && p + 46 <= z.size() && get_le(z, p, 4) == kCentralSig; ++i) {
    for (const Field& x : {Field{8, 2}, {10, 2}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {42, 4}}) f.push_back({p + x.pos, x.width});
    const size_t name = get_le(z, p + 28, 2), extra = get_le(z, p + 30, 2), comment = get_le(z, p + 32, 2);
    uint64_t local = get_le(z, p + 42, 4);
    const size_t extra_end = std::min(z.size(), p + 46 + name + extra);
    for (size_t e = p + 46 + name; e + 4 <= extra_end;) {
      const size_t len = get_le(z, e + 2, 2);
      f.push_back({e + 2, 2});
      if (get_le(z, e, 2) == 1) {
        for (size_t k = 0; k + 8 <= len && e + 4 + k + 8 <= extra_end; k += 8) f.push_back({e + 4 + k, 8});
      }
      e += 4 + len;
    }
    if (local + 30 <= z.size()) {
      for (const Field& x : {Field{0, 4}, {26, 2}, {28, 2}}) f.push_back({size_t(local) + x.pos, x.width});
    }
    p += 46 + name + extra + comment;
  }
  return f;
}

class Mutator : public ttq::fuzz::Random {
 public:
  explicit Mutator(uint32_t seed) : Random(seed) {}

  std::string next(const Seed& s) {
    if (s.safetensors) return mutate_safetensors(s.bytes);
    std::string b;
    if (s.entries.empty() || chance(20)) {  // the file as it is: raw bytes, zip fields, truncation
      b = s.bytes;
      const size_t kind = below(20);
      if (kind < 3) return b.substr(0, below(b.size()));
      if (kind < 10 && !s.entries.empty()) mutate_fields(b); else mutate_raw(b);
      return b;
    }
    Entries entries = s.entries;
    for (int rounds = chance(75) ? 1 : 2; rounds > 0; --rounds) mutate_entries(entries);
    b = pack(entries);
    if (chance(8)) b = to_zip64(b);
    if (chance(20)) mutate_fields(b);
    else if (chance(4)) mutate_raw(b);
    return b;
  }

  // A Writer archive (stored entries, no extra fields, no comment) in zip64 form:
  // some 32-bit sizes and offsets moved into zip64 extra fields, and zip64 end records.
  std::string to_zip64(const std::string& z) {
    const size_t end = z.size() - 22;
    const uint64_t count = get_le(z, end + 10, 2), dir = get_le(z, end + 16, 4);
    std::string central;
    size_t p = dir;
    for (uint64_t i = 0; i < count; ++i) {
      const size_t name_len = get_le(z, p + 28, 2);
      std::string header = z.substr(p, 46), extra, values;
      if (chance(25)) extra += le(0x7174, 2) + le(4, 2) + std::string(4, '\0');  // another field first, to be skipped
      for (const size_t at : {24, 20, 42}) {  // the spec's order: size, compressed size, local header offset
        if (!chance(60)) continue;
        values += le(get_le(z, p + at, 4), 8);
        put_le(header, at, 4, 0xffffffff);
      }
      if (!values.empty() || chance(20)) extra += le(1, 2) + le(values.size(), 2) + values;
      put_le(header, 30, 2, extra.size());
      central += header + z.substr(p + 46, name_len) + extra;
      p += 46 + name_len;
    }
    std::string out = z.substr(0, dir) + central;
    const uint64_t record = out.size();
    out += le(kZip64EndSig, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(count, 8) + le(count, 8) +
           le(central.size(), 8) + le(dir, 8);
    out += le(kZip64LocatorSig, 4) + le(0, 4) + le(record, 8) + le(1, 4);
    out += le(kEndSig, 4) + le(0, 4) + le(0xffff, 2) + le(0xffff, 2) + le(0xffffffff, 4) + le(0xffffffff, 4) + le(0, 2);
    return out;
  }

 private:
  // A value for a field of `width` bytes now holding `current`: the edges, or near it.
  uint64_t edge_value(int width, uint64_t current) {
    const uint64_t mask = width == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * width)) - 1;
    switch (below(8)) {
      case 0: return 0;
      case 1: return mask;  // -1, and zip's "see zip64" marker
      case 2: return mask >> 1;
      case 3: return (mask >> 1) + 1;
      case 4: return (current + 1) & mask;
      case 5: return (current - 1) & mask;
      case 6: return (current + below(129) - 64) & mask;
      default: return uint64_t(interesting_int()) & mask;
    }
  }

  void mutate_raw(std::string& b) {
    static const char special[] = {'\0', '\xff', '\x7f', '\x80', 'P', 'K', '.', '(', '\n', 'X'};
    for (int rounds = 1 + int(below(3)); rounds > 0; --rounds) {
      if (b.empty()) {
        b.push_back(char(rng_()));
        continue;
      }
      const size_t pos = below(b.size());
      switch (below(7)) {
        case 0: b[pos] = char(b[pos] ^ (1u << below(8))); break;
        case 1: b[pos] = special[below(sizeof special)]; break;
        case 2: b.insert(pos, std::string(1 + below(8), char(rng_()))); break;
        case 3: b.erase(pos, 1 + below(16)); break;
        case 4: b.insert(pos, b.substr(below(b.size()), 1 + below(16))); break;
        case 5: put_le(b, pos, 4, edge_value(4, get_le(b, pos, 4))); break;
        default: b.resize(pos); break;
      }
    }
  }

  void mutate_fields(std::string& z) {
    const std::vector<Field> fields = zip_fields(z);
    if (fields.empty()) return mutate_raw(z);
    for (int rounds = chance(70) ? 1 : 2; rounds > 0; --rounds) {
      const Field f = fields[below(fields.size())];
      put_le(z, f.pos, f.width, edge_value(f.width, get_le(z, f.pos, f.width)));
    }
  }

  std::string mutate_safetensors(std::string b) {
    if (chance(60) || b.size() < 9) {
      mutate_raw(b);
      return b;
    }
    // A number in the JSON header (shape, data offset) replaced; the header length fixed half the time.
    const uint64_t header_len = get_le(b, 0, 8);
    const size_t header_end = size_t(std::min<uint64_t>(b.size(), 8 + header_len));
    size_t p = 8 + below(header_end - 8);
    while (p < header_end && !std::isdigit(uint8_t(b[p]))) ++p;
    size_t q = p;
    while (q < header_end && std::isdigit(uint8_t(b[q]))) ++q;
    if (p >= header_end) return b;
    const std::string number = std::to_string(chance(50) ? interesting_int() : int64_t(std::stoll(b.substr(p, std::min<size_t>(q - p, 18)))) + 1);
    b.replace(p, q - p, number);
    if (chance(50)) put_le(b, 0, 8, header_len + number.size() - (q - p));
    return b;
  }

  void mutate_entries(Entries& e) {
    if (e.empty()) return;
    size_t pickle = e.size();
    std::vector<size_t> storages;
    for (size_t i = 0; i < e.size(); ++i) {
      const std::string& n = e[i].first;
      if (pickle == e.size() && n.size() >= 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0) pickle = i;
      if (n.find("/data/") != std::string::npos) storages.push_back(i);
    }
    const size_t any = below(e.size()), k = below(100);
    if (k < 62 && pickle < e.size()) {
      mutate_pickle(e[pickle].second);
    } else if (k < 76 && !storages.empty()) {  // a storage shorter or longer than its tensors need, or other values
      std::string& d = e[storages[below(storages.size())]].second;
      static const int64_t deltas[] = {-1, -2, -4, -8, 1, 2, 4, 8};
      switch (below(4)) {
        case 0: d.resize(size_t(std::max<int64_t>(0, int64_t(d.size()) + deltas[below(std::size(deltas))]))); break;
        case 1: d.clear(); break;
        case 2: d += d; break;
        default: if (!d.empty()) d[below(d.size())] = char(rng_()); break;
      }
    } else if (k < 80) {
      e.erase(e.begin() + std::ptrdiff_t(any));
    } else if (k < 84) {  // an entry twice, or the pickle under a second folder
      auto copy = e[chance(50) && pickle < e.size() ? pickle : any];
      if (chance(50)) copy.first = "other" + copy.first.substr(std::min(copy.first.find('/'), copy.first.size()));
      e.insert(e.begin() + std::ptrdiff_t(below(e.size() + 1)), copy);
    } else if (k < 90) {
      std::string& n = e[any].first;
      const std::string folder = n.substr(0, n.find('/') + 1);
      switch (below(6)) {
        case 0: n += 'x'; break;
        case 1: n = folder + "data/" + std::to_string(below(20)); break;
        case 2: n = folder + (chance(50) ? "constants.pkl" : "code/__torch__.py"); break;
        case 3: n = chance(50) ? "data.pkl" : "a/b/data.pkl"; break;
        case 4: n.clear(); break;
        default: n = "renamed" + n.substr(folder.empty() ? 0 : folder.size() - 1); break;
      }
    } else if (k < 94) {
      std::swap(e[any].second, e[below(e.size())].second);
    } else if (k < 97) {
      auto moved = e[any];
      e.erase(e.begin() + std::ptrdiff_t(any));
      e.insert(e.begin() + std::ptrdiff_t(below(e.size() + 1)), moved);
    } else {
      mutate_raw(e[any].second);
    }
  }

  // A pickle edited as opcodes: opcodes swapped, arguments set to edge values,
  // integers re-encoded, strings and globals renamed, opcode runs dropped, repeated
  // or moved; or raw bytes edited.
  void mutate_pickle(std::string& p) {
    const std::vector<Op> ops = walk(p);
    if (ops.empty()) return mutate_raw(p);
    const auto pick = [&](auto&& wanted) -> const Op* {
      std::vector<const Op*> c;
      for (const Op& op : ops)
        if (wanted(op)) c.push_back(&op);
      return c.empty() ? nullptr : c[below(c.size())];
    };
    const Op& any = ops[below(ops.size())];
    const size_t kind = below(20);
    if (kind < 2) {  // another opcode in this one's place, its argument bytes left as they are
      p[any.pos] = char(chance(90) ? kKnownOps[below(kKnownOps.size())] : kUnknownOps[below(kUnknownOps.size())]);
    } else if (kind < 5) {  // a fixed argument (memo index, protocol, int) or a length prefix at an edge
      const Op* op = pick([](const Op& o) { return o.info.arg == Arg::fixed || o.info.arg == Arg::counted; });
      if (!op) return mutate_raw(p);
      put_le(p, op->pos + 1, op->info.width, edge_value(op->info.width, get_le(p, op->pos + 1, op->info.width)));
    } else if (kind < 9) {  // an integer (shape, stride, offset, numel) replaced, in any of its encodings
      const Op* op = pick([](const Op& o) { return is_int_op(o.code); });
      if (!op) return mutate_raw(p);
      int64_t v = op->code == 'J' ? int64_t(int32_t(get_le(p, op->pos + 1, 4)))
                                  : op->code == 0x8a ? 0 : int64_t(get_le(p, op->pos + 1, op->info.width));
      switch (below(5)) {
        case 0: v += 1; break;
        case 1: v -= 1; break;
        case 2: v *= 2; break;
        default: v = interesting_int(); break;
      }
      p.replace(op->pos, op->end - op->pos, encode_int(v));
    } else if (kind < 11) {  // a string: a key, a storage key or type, a module name
      const Op* op = pick([](const Op& o) { return is_string_op(o.code); });
      if (!op) return mutate_raw(p);
      std::string text;
      if (chance(40)) {
        const Op* other = pick([](const Op& o) { return is_string_op(o.code); });
        text = p.substr(other->pos + 1 + size_t(other->info.width), other->end - other->pos - 1 - size_t(other->info.width));
      } else {
        text = kStrings[below(kStrings.size())];
      }
      if (op->info.width == 1) text.resize(std::min<size_t>(text.size(), 255));
      p.replace(op->pos, op->end - op->pos, char(op->code) + le(text.size(), op->info.width) + text);
    } else if (kind < 12) {  // a GLOBAL naming another callable or storage type
      const Op* op = pick([](const Op& o) { return o.code == 'c'; });
      if (!op) return mutate_raw(p);
      const auto& [module, name] = kGlobals[below(kGlobals.size())];
      p.replace(op->pos, op->end - op->pos, std::string("c") + module + "\n" + name + "\n");
    } else if (kind < 17) {  // a run of whole opcodes dropped, repeated or moved
      const size_t i = below(ops.size()), n = 1 + below(std::min<size_t>(4, ops.size() - i));
      const size_t begin = ops[i].pos, len = ops[i + n - 1].end - begin;
      const std::string run = p.substr(begin, len);
      const size_t to = ops[below(ops.size())].pos;
      switch (below(3)) {
        case 0: p.erase(begin, len); break;
        case 1: p.insert(to, run); break;
        default:
          p.erase(begin, len);
          p.insert(std::min(to, p.size()), run);
          break;
      }
    } else if (kind < 19) {  // an opcode the seed does not use here
      p.insert(ops[below(ops.size())].pos, kSnippets[below(kSnippets.size())]);
    } else {
      mutate_raw(p);
    }
  }

  std::string encode_int(int64_t v) {
    if (v >= 0 && v < 256 && chance(70)) return std::string("K") + char(v);
    if (v >= 0 && v < 65536 && chance(70)) return "M" + le(uint64_t(v), 2);
    if (v >= INT32_MIN && v <= INT32_MAX && chance(70)) return "J" + le(uint64_t(v), 4);
    const size_t n = chance(80) ? 8 : below(11);  // LONG1 of 0..10 bytes, 9 and 10 too wide
    return std::string("\x8a") + char(n) + le(uint64_t(v), int(std::min<size_t>(n, 8))) + std::string(n > 8 ? n - 8 : 0, '\x7f');
  }
};

// ---- checking what was read ----
bool same_tensors(StateDict a, StateDict b, bool in_order) {
  if (!in_order) {
    const auto by_name = [](const auto& x, const auto& y) { return x.name < y.name; };
    std::sort(a.begin(), a.end(), by_name);
    std::sort(b.begin(), b.end(), by_name);
  }
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].dtype != b[i].dtype || a[i].shape != b[i].shape || a[i].data != b[i].data) return false;
  }
  return true;
}

// What was read writes back in both formats and reads again as the same tensors.
// Returns what went wrong, or "".
std::string round_trip_problem(const StateDict& sd) {
  namespace st = ttq::format::safetensors;
  try {
    const bool torch_storable = std::none_of(sd.begin(), sd.end(), [](const auto& t) {
      return t.dtype == st::DType::U16 || t.dtype == st::DType::U32 || t.dtype == st::DType::U64;
    });
    if (torch_storable && !same_tensors(sd, ttq::format::parse_torch_state_dict(ttq::format::serialize_torch_state_dict(sd), "again"), true)) {
      return "its torch.save form reads back differently";
    }
    std::string st_bytes;
    try {
      st_bytes = ttq::format::serialize_safetensors_state_dict(sd);
    } catch (const ttq::UserError&) {
      return "";  // a name safetensors refuses (reserved, not UTF-8): a clean refusal
    }
    if (!same_tensors(sd, ttq::format::parse_safetensors_state_dict(st_bytes, "again"), false)) {
      return "its safetensors form reads back differently";
    }
  } catch (const std::exception& e) {
    return std::string("writing it back and reading that failed: ") + e.what();
  }
  return "";
}

// Which stage refused an input, from the message (the readers' wording, see the sources).
std::string stage_of(const std::string& what, bool safetensors) {
  if (safetensors) return "safetensors";
  if (what.find(" at byte ") != std::string::npos) return "pickle";
  if (what.find(": not a valid zip archive") != std::string::npos || what.find(": entry '") != std::string::npos) return "zip";
  for (const char* layout : {"legacy format", "without data.pkl", "two pickles", "TorchScript"})
    if (what.find(layout) != std::string::npos) return "archive layout";
  return "tensors";  // after the pickle ran: state dict, tensor and storage checks
}

// A message with its numbers and quoted names blanked, to count kinds of errors.
std::string message_kind(const std::string& what) {
  std::string out;
  bool quoted = false;
  for (char c : what) {
    if (c == '\'') {
      quoted = !quoted;
      out += quoted ? "'*" : "'";
    } else if (!quoted && !(std::isdigit(uint8_t(c)) && !out.empty() && out.back() == '#')) {
      out += std::isdigit(uint8_t(c)) ? '#' : c;
    }
  }
  return out;
}

std::vector<Seed> load_seeds(const std::string& folder) {
  std::vector<std::string> paths;
  for (const auto& f : std::filesystem::directory_iterator(folder))
    if (f.path().extension() == ".pth") paths.push_back(f.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<Seed> seeds;
  for (const auto& path : paths) {
    Seed s;
    s.name = std::filesystem::path(path).filename().string();
    s.bytes = ttq::read_file(path);
    try {
      const ttq::format::zip::Reader z(s.bytes, s.name);
      std::string scratch;
      for (const auto& e : z.entries()) s.entries.emplace_back(e.name, std::string(z.read(e, scratch)));
    } catch (const ttq::UserError&) {  // legacy.pth: no zip, raw edits only
    }
    StateDict sd;
    bool parsed = false;
    try {
      sd = ttq::format::parse_torch_state_dict(s.bytes, s.name);
      parsed = true;
    } catch (const ttq::UserError&) {  // legacy, pickled module: seeds of their refusals
    }
    seeds.push_back(s);
    if (!parsed) continue;
    Seed ours{s.name + " (our torch.save writer)", ttq::format::serialize_torch_state_dict(sd, "archive"), false, {}};
    const ttq::format::zip::Reader z(ours.bytes, ours.name);
    std::string scratch;
    for (const auto& e : z.entries()) ours.entries.emplace_back(e.name, std::string(z.read(e, scratch)));
    seeds.push_back(ours);
    seeds.push_back({s.name + " (our safetensors writer)", ttq::format::serialize_safetensors_state_dict(sd), true, {}});
  }
  return seeds;
}

StateDict parse(const Seed& s, const std::string& bytes) {
  return s.safetensors ? ttq::format::parse_safetensors_state_dict(bytes, "fuzz") : ttq::format::parse_torch_state_dict(bytes, "fuzz");
}

// Before fuzzing: every zip seed, packed again and in zip64 form, reads as it did
// (else the mutations below would start from broken inputs, and zip64 would go untested).
bool seeds_repack_cleanly(const std::vector<Seed>& seeds, Mutator& m) {
  for (const Seed& s : seeds) {
    if (s.entries.empty()) continue;
    std::string expected_error;
    StateDict expected;
    try {
      expected = parse(s, s.bytes);
    } catch (const ttq::UserError& e) {
      expected_error = e.what();
    }
    const std::string packed = pack(s.entries);
    for (const std::string& form : {packed, m.to_zip64(packed)}) {
      try {
        const StateDict again = parse(s, form);
        if (!expected_error.empty() || !same_tensors(expected, again, true)) {
          std::cerr << "fuzz: seed " << s.name << " reads differently when packed again\n";
          return false;
        }
      } catch (const ttq::UserError& e) {
        if (expected_error.empty()) {
          std::cerr << "fuzz: seed " << s.name << " packed again fails: " << e.what() << "\n";
          return false;
        }
      }
    }
  }
  return true;
}

void on_hang(int) {
  const char msg[] = "fuzz: one input ran for too long (a hang?)\n";
  [[maybe_unused]] const ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  save_current_input();
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  long long iterations = 30000;
  uint32_t seed = 1;
  std::string folder = TTQ_FORMAT_TEST_DATA;
  try {
    if (argc > 1) iterations = std::stoll(argv[1]);
    if (argc > 2) seed = static_cast<uint32_t>(std::stoul(argv[2]));
    if (argc > 3) folder = argv[3];
  } catch (const std::exception&) {
    std::cerr << "usage: " << argv[0] << " [iterations=30000] [seed=1] [fixture folder]\n";
    return 2;
  }
  ttq::fuzz::keep_inputs_in(kCrashFile);
  std::signal(SIGALRM, on_hang);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Seed> seeds;
  try {
    seeds = load_seeds(folder);
  } catch (const std::exception& e) {
    std::cerr << "fuzz: cannot read the seeds in " << folder << ": " << e.what() << "\n";
    return 2;
  }
  Mutator mutator(seed);
  if (seeds.empty()) {
    std::cerr << "fuzz: no .pth files in " << folder << "\n";
    return 2;
  }
  if (!seeds_repack_cleanly(seeds, mutator)) return 1;

  std::vector<const Seed*> torch_seeds, safetensors_seeds;
  for (const Seed& s : seeds) (s.safetensors ? safetensors_seeds : torch_seeds).push_back(&s);

  const bool keep_input = std::getenv("TTQ_FUZZ_KEEP_INPUT") != nullptr;
  std::map<std::string, long long> stages, kinds;
  long long loaded = 0, torch_inputs = 0;
  for (long long i = 0; i < iterations; ++i) {
    // Mostly torch.save seeds: the safetensors reader has its own fuzzer (fuzz_model_file.cpp).
    const std::vector<const Seed*>& pool = mutator.chance(10) && !safetensors_seeds.empty() ? safetensors_seeds : torch_seeds;
    const Seed& s = *pool[mutator.below(pool.size())];
    const std::string input = mutator.next(s);
    ttq::fuzz::g_current = &input;
    if (keep_input) save_current_input(false);
    torch_inputs += !s.safetensors;
    alarm(kHangSeconds);
    std::string problem;
    try {
      const StateDict sd = parse(s, input);
      ++loaded;
      ++stages[s.safetensors ? "loaded safetensors" : "loaded"];
      problem = round_trip_problem(sd);
    } catch (const ttq::UserError& e) {
      ++stages[stage_of(e.what(), s.safetensors)];
      ++kinds[message_kind(e.what())];
    } catch (const std::exception& e) {
      problem = std::string("unexpected exception (not a ttq::UserError): ") + e.what();
    } catch (...) {
      problem = "unexpected non-std exception";
    }
    alarm(0);
    if (!problem.empty()) {
      std::cerr << "fuzz: iteration " << i << " (seed " << s.name << "): " << problem << "\n";
      save_current_input();
      return 1;
    }
  }
  ttq::fuzz::g_current = nullptr;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // A share of the torch inputs must get past the zip layer into the pickle machine
  // and the tensor decoder, or the fuzzer tests little but the CRC check.
  const long long reached = stages["loaded"] + stages["pickle"] + stages["tensors"];
  const double reached_share = torch_inputs ? double(reached) / double(torch_inputs) : 0;
  std::cout << "fuzz: " << iterations << " inputs from " << seeds.size() << " seeds, " << loaded << " loaded, " << seconds << " s";
#ifdef TTQ_FUZZ_SANITIZED
  std::cout << " (sanitized)";
#endif
  std::cout << "\nfuzz: outcomes:";
  for (const auto& [stage, n] : stages) std::cout << " " << stage << " " << n << ";";
  std::cout << "\nfuzz: the pickle ran on " << reached << " of " << torch_inputs << " torch.save inputs (" << int(100 * reached_share)
            << " %): " << stages["pickle"] << " refused by the pickle machine, " << stages["tensors"] << " by the tensor checks after it, "
            << stages["loaded"] << " loaded; " << stages["zip"] << " stopped in the zip reader, " << stages["archive layout"]
            << " at the archive layout\n";
  if (std::getenv("TTQ_FUZZ_VERBOSE")) {
    std::vector<std::pair<long long, std::string>> sorted;
    for (const auto& [kind, n] : kinds) sorted.emplace_back(n, kind);
    std::sort(sorted.rbegin(), sorted.rend());
    for (const auto& [n, kind] : sorted) std::cout << "  " << n << "  " << kind << "\n";
    std::cout << "  (" << sorted.size() << " kinds of error)\n";
  }
  if (iterations >= 1000 && reached_share < 0.4) {
    std::cerr << "fuzz: too few inputs reached the pickle machine; the mutations have become shallow\n";
    return 1;
  }
  return 0;
}
