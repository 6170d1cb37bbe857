#include "format/safetensors.h"

#include <algorithm>
#include <limits>
#include <set>

#include "common/error.h"
#include "format/json_text.h"

namespace ttq::format::safetensors {
namespace {

using nlohmann::json;

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::BOOL, "BOOL", 1}, {DType::U8, "U8", 1},   {DType::I8, "I8", 1},       {DType::U16, "U16", 2},
    {DType::I16, "I16", 2},   {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},   {DType::U32, "U32", 4},
    {DType::I32, "I32", 4},   {DType::F32, "F32", 4}, {DType::U64, "U64", 8},     {DType::I64, "I64", 8},
    {DType::F64, "F64", 8},
};

const DTypeInfo& info(DType d) {
  for (const auto& i : kDTypes) {
    if (i.dtype == d) return i;
  }
  throw std::logic_error("safetensors: DType missing from kDTypes");
}

const char* kHint = "the file is corrupt, truncated, or not a safetensors file";
constexpr const char* kMetadataKey = "__metadata__";

// Non-negative integer that fits int64 (JSON numbers may be anything).
bool as_count(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
  } else if (v.is_number_integer()) {
    const int64_t s = v.get<int64_t>();
    if (s < 0) return false;
    *out = static_cast<uint64_t>(s);
  } else {
    return false;
  }
  return *out <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

struct Placed {
  TensorRecord record;
  uint64_t begin, end;
};

Placed parse_tensor_entry(const std::string& name, const json& v, uint64_t buffer_size, const std::string& where) {
  const auto fail = [&](const std::string& what) { throw FormatError(where + ": tensor '" + name + "': " + what, kHint); };
  if (!v.is_object()) fail("entry is not a JSON object");
  for (const auto& item : v.items()) {
    if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets") fail("unknown key '" + item.key() + "'");
  }
  if (!v.contains("dtype") || !v["dtype"].is_string()) fail("lacks a string \"dtype\"");
  if (!v.contains("shape") || !v["shape"].is_array()) fail("lacks a \"shape\" array");
  if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2) fail("lacks \"data_offsets\": [begin, end]");

  Placed p;
  p.record.name = name;
  try {
    p.record.dtype = parse_dtype(v["dtype"].get<std::string>());
  } catch (const FormatError& e) {
    fail(e.what());
  }
  for (const auto& d : v["shape"]) {
    uint64_t n = 0;
    if (!as_count(d, &n)) fail("shape entries must be non-negative integers");
    p.record.shape.push_back(static_cast<int64_t>(n));
  }
  if (!as_count(v["data_offsets"][0], &p.begin) || !as_count(v["data_offsets"][1], &p.end)) {
    fail("data_offsets must be non-negative integers");
  }
  if (p.begin > p.end) fail("data_offsets begin " + std::to_string(p.begin) + " > end " + std::to_string(p.end));
  if (p.end > buffer_size) {
    fail("data_offsets end " + std::to_string(p.end) + " is past the data buffer (" + std::to_string(buffer_size) + " bytes)");
  }
  const uint64_t expected = checked_numel(p.record.shape, dtype_size(p.record.dtype), where + ": tensor '" + name + "'") *
                            dtype_size(p.record.dtype);
  if (expected != p.end - p.begin) {
    fail("holds " + std::to_string(p.end - p.begin) + " bytes but its dtype and shape need " + std::to_string(expected));
  }
  return p;
}

void put_u64_le(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

const char* dtype_name(DType d) { return info(d).name; }
size_t dtype_size(DType d) { return info(d).size; }

DType parse_dtype(const std::string& name) {
  for (const auto& i : kDTypes) {
    if (name == i.name) return i.dtype;
  }
  throw FormatError("unknown dtype '" + name + "'", "supported: BOOL U8 I8 U16 I16 F16 BF16 U32 I32 F32 U64 I64 F64");
}

const TensorRecord* Contents::find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

uint64_t checked_numel(const std::vector<int64_t>& shape, size_t elem_size, const std::string& what) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw FormatError(what + ": negative dimension " + std::to_string(d) + " in shape", kHint);
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) throw FormatError(what + ": shape's element count overflows", kHint);
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<uint64_t>(elem_size), &bytes) ||
      bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw FormatError(what + ": shape's byte size overflows", kHint);
  }
  return n;
}

Contents parse(std::string_view bytes, const std::string& origin) {
  const auto fail = [&](const std::string& what) -> void { throw FormatError(origin + ": " + what, kHint); };
  if (bytes.size() < 8) fail("file is " + std::to_string(bytes.size()) + " bytes, too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_len > kMaxHeaderBytes) fail("header length " + std::to_string(header_len) + " exceeds the 100 MB limit");
  if (header_len > bytes.size() - 8) {
    fail("header length " + std::to_string(header_len) + " runs past the end of the " + std::to_string(bytes.size()) + "-byte file");
  }
  const std::string_view header = bytes.substr(8, header_len);
  if (header.empty() || header[0] != '{') fail("header does not start with '{'");
  const std::string_view buffer = bytes.substr(8 + header_len);

  json j = parse_untrusted_json(header, origin + ": safetensors header");
  if (!j.is_object()) fail("header is not a JSON object");

  Contents c;
  std::vector<Placed> placed;
  for (const auto& item : j.items()) {
    if (item.key() == kMetadataKey) {
      if (!item.value().is_object()) fail("__metadata__ is not a JSON object");
      for (const auto& m : item.value().items()) {
        if (!m.value().is_string()) fail("__metadata__ value of '" + m.key() + "' is not a string");
        c.metadata[m.key()] = std::move(m.value().get_ref<std::string&>());  // moved: the graph is kilobytes
      }
      continue;
    }
    placed.push_back(parse_tensor_entry(item.key(), item.value(), buffer.size(), origin));
  }

  // Sorted by position, each tensor must start where the previous one ended, and
  // the last must end at the end of the buffer: no overlap, no gap, no trailing bytes.
  std::stable_sort(placed.begin(), placed.end(),
                   [](const Placed& a, const Placed& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t cursor = 0;
  const Placed* previous = nullptr;
  for (auto& p : placed) {
    if (p.begin < cursor) fail("tensor '" + p.record.name + "' overlaps tensor '" + previous->record.name + "'");
    if (p.begin > cursor) fail("gap of " + std::to_string(p.begin - cursor) + " bytes before tensor '" + p.record.name + "'");
    cursor = p.end;
    previous = &p;
    p.record.data = buffer.substr(p.begin, p.end - p.begin);
    c.tensors.push_back(p.record);
  }
  if (cursor != buffer.size()) {
    fail("data buffer is " + std::to_string(buffer.size()) + " bytes but the tensors cover " + std::to_string(cursor));
  }
  return c;
}

std::string serialize(const Contents& contents) {
  std::set<std::string> names;
  for (const auto& t : contents.tensors) {
    if (t.name == kMetadataKey) throw FormatError("cannot write a tensor named '__metadata__'", "the name is reserved by safetensors");
    if (!names.insert(t.name).second) throw FormatError("cannot write two tensors named '" + t.name + "'", "tensor names must be unique");
    const uint64_t numel = checked_numel(t.shape, dtype_size(t.dtype), "tensor '" + t.name + "'");
    if (numel * dtype_size(t.dtype) != t.data.size()) {
      throw FormatError("tensor '" + t.name + "' has " + std::to_string(t.data.size()) + " bytes but its dtype and shape need " +
                        std::to_string(numel * dtype_size(t.dtype)), "this is a bug in the caller");
    }
  }
  std::vector<const TensorRecord*> order;
  for (const auto& t : contents.tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [](const TensorRecord* a, const TensorRecord* b) { return dtype_size(a->dtype) > dtype_size(b->dtype); });

  // Written by hand rather than through a JSON object: keeps the order (metadata,
  // then tensors in layout order, keys dtype/shape/data_offsets) and is faster.
  std::string header_text = "{";
  if (!contents.metadata.empty()) header_text += "\"__metadata__\":" + dump_json(json(contents.metadata), "safetensors metadata");
  uint64_t offset = 0;
  for (const TensorRecord* t : order) {
    if (header_text.size() > 1) header_text += ',';
    header_text += dump_json(json(t->name), "tensor name") + ":{\"dtype\":\"" + dtype_name(t->dtype) + "\",\"shape\":[";
    for (size_t i = 0; i < t->shape.size(); ++i) header_text += (i ? "," : "") + std::to_string(t->shape[i]);
    header_text += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t->data.size()) + "]}";
    offset += t->data.size();
  }
  header_text += '}';
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + header_text.size() + offset);
  put_u64_le(&out, header_text.size());
  out += header_text;
  for (const TensorRecord* t : order) out.append(t->data.data(), t->data.size());
  return out;
}

}  // namespace ttq::format::safetensors
