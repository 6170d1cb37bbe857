// The mapping between a ModelFile and its safetensors container (docs/FORMAT.md):
//   fp32 tensor X     -> F32 tensor X with X's shape
//   ternary tensor X  -> U8 tensor X of shape [packed bytes] holding the codes, plus
//                        F32 tensors X.wp and X.wn of shape [1]
//   everything else   -> string entries of __metadata__ (JSON text where structured)
#include "format/model_file.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "format/graph_shapes.h"
#include "format/json_text.h"
#include "format/model_validation.h"
#include "format/safetensors.h"
#include "format/ternary_codec.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "model files store little-endian floats; add byte swapping for this host");

namespace ttq::format {
namespace {

using nlohmann::json;
namespace st = safetensors;

const char* kHint = "the model file is corrupt or was written by an incompatible exporter";
[[noreturn]] void fail(const std::string& what) { throw FormatError(what, kHint); }

const char* const kWp = ".wp";
const char* const kWn = ".wn";

std::string_view bytes_of(const void* p, size_t n) { return {static_cast<const char*>(p), n}; }

// ---- writing ----------------------------------------------------------------

// A float as the shortest decimal that reads back as the same float ("0.1234", not the
// "0.12340000271797180" of its double): metadata stays short and round-trips exactly.
json float_json(float f) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, f).ptr;
  double d = 0;
  std::from_chars(buf, end, d);  // locale-free, unlike strtod
  return json(d);
}

json means_json(const std::map<std::string, std::vector<float>>& means) {
  json j = json::object();
  for (const auto& [name, values] : means) {
    json a = json::array();
    for (float v : values) a.push_back(float_json(v));
    j[name] = std::move(a);
  }
  return j;
}

json encodings_json(const ModelFile& m) {
  json j = json::object();
  for (const auto& [name, t] : m.tensors) j[name] = {{"encoding", encoding_name(t.encoding)}, {"shape", t.shape}};
  return j;
}

// ---- reading ----------------------------------------------------------------

const std::string& meta(const st::Contents& c, const char* key) {
  const auto it = c.metadata.find(key);
  if (it == c.metadata.end()) fail(std::string("metadata lacks '") + key + "'");
  return it->second;
}

int64_t parse_decimal(const std::string& s, const char* key) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    fail(std::string("metadata '") + key + "' is '" + s.substr(0, 32) + "', not a small non-negative integer");
  }
  return std::stoll(s);
}

float finite_float(const json& v, const std::string& what) {
  if (!v.is_number()) fail(what + " is not a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) fail(what + " is not a finite float");
  return static_cast<float>(d);
}

std::vector<float> float_list(const std::string& text, const char* key) {
  const json j = parse_untrusted_json(text, std::string("metadata '") + key + "'");
  if (!j.is_array()) fail(std::string("metadata '") + key + "' is not a JSON array");
  std::vector<float> out;
  for (const auto& v : j) out.push_back(finite_float(v, std::string("an entry of metadata '") + key + "'"));
  return out;
}

const st::TensorRecord& record(const std::map<std::string, const st::TensorRecord*>& index, const std::string& name,
                               st::DType dtype, const std::vector<int64_t>& shape) {
  const auto it = index.find(name);
  if (it == index.end()) fail("tensor '" + name + "' is listed in 'encodings' but missing from the file");
  const st::TensorRecord& r = *it->second;
  if (r.dtype != dtype) fail("tensor '" + name + "' is stored as " + st::dtype_name(r.dtype) + ", expected " + st::dtype_name(dtype));
  if (r.shape != shape) fail("tensor '" + name + "' is stored with shape " + shape_to_string(r.shape) + ", expected " + shape_to_string(shape));
  return r;
}

float scale_value(const std::map<std::string, const st::TensorRecord*>& index, const std::string& name) {
  float v = 0.f;
  std::memcpy(&v, record(index, name, st::DType::F32, {1}).data.data(), sizeof v);
  return v;
}

Tensor read_tensor(const std::string& name, const json& entry, const std::map<std::string, const st::TensorRecord*>& index) {
  const std::string where = "tensor '" + name + "'";
  if (!entry.is_object() || !entry.contains("encoding") || !entry["encoding"].is_string() || !entry.contains("shape") ||
      !entry["shape"].is_array()) {
    fail("'encodings' entry of " + where + " must be {\"encoding\": string, \"shape\": [ints]}");
  }
  Tensor t;
  t.encoding = parse_encoding(entry["encoding"].get<std::string>());
  for (const auto& d : entry["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) fail("shape of " + where + " must hold non-negative integers");
    t.shape.push_back(d.get<int64_t>());
  }
  const uint64_t numel = st::checked_numel(t.shape, 1, where);
  if (t.encoding == Encoding::fp32) {
    const auto& r = record(index, name, st::DType::F32, t.shape);
    t.values.resize(numel);
    std::memcpy(t.values.data(), r.data.data(), r.data.size());
    return t;
  }
  const bool two_bit = t.encoding == Encoding::ternary2;
  // Compare byte counts before allocating: a forged shape cannot make us allocate more than the file holds.
  const uint64_t nbytes = two_bit ? numel / 4 + (numel % 4 != 0) : numel / 5 + (numel % 5 != 0);
  const auto& r = record(index, name, st::DType::U8, {static_cast<int64_t>(nbytes)});
  t.codes.resize(numel);
  const auto* packed = reinterpret_cast<const uint8_t*>(r.data.data());
  if (two_bit) {
    unpack_ternary2(packed, r.data.size(), numel, t.codes.data(), where);
  } else {
    unpack_ternary1_6(packed, r.data.size(), numel, t.codes.data(), where);
  }
  t.wp = scale_value(index, name + kWp);
  t.wn = scale_value(index, name + kWn);
  return t;
}

ModelFile read_model(const st::Contents& c) {
  if (!c.metadata.count("format") || c.metadata.at("format") != "ttq") {
    fail("not a ttq model file (its safetensors metadata lacks \"format\": \"ttq\")");
  }
  const int64_t version = parse_decimal(meta(c, "format_version"), "format_version");
  if (version > ModelFile::kFormatVersion) {
    throw FormatError("format_version " + std::to_string(version) + " is newer than this build reads (" +
                          std::to_string(ModelFile::kFormatVersion) + ")", "upgrade ttq to read this file");
  }
  if (version < 1) fail("format_version 0 does not exist");

  ModelFile m;
  m.architecture = meta(c, "architecture");
  m.graph = Graph::from_json(parse_untrusted_json(meta(c, "graph"), "metadata 'graph'"));
  m.num_classes = static_cast<int>(parse_decimal(meta(c, "num_classes"), "num_classes"));
  m.input_mean = float_list(meta(c, "input_mean"), "input_mean");
  m.input_std = float_list(meta(c, "input_std"), "input_std");
  m.info = parse_untrusted_json(meta(c, "info"), "metadata 'info'");

  const json calibration = parse_untrusted_json(meta(c, "calibration"), "metadata 'calibration'");
  if (!calibration.is_object()) fail("metadata 'calibration' is not a JSON object");
  for (const auto& item : calibration.items()) {
    m.calibration[item.key()] = finite_float(item.value(), "calibration of '" + item.key() + "'");
  }
  if (c.metadata.count("calibration_mean")) {  // optional (files before it lack it)
    const json means = parse_untrusted_json(meta(c, "calibration_mean"), "metadata 'calibration_mean'");
    if (!means.is_object()) fail("metadata 'calibration_mean' is not a JSON object");
    for (const auto& item : means.items()) {
      if (!item.value().is_array()) fail("calibration_mean of '" + item.key() + "' is not a JSON array");
      auto& v = m.calibration_mean[item.key()];
      for (const auto& x : item.value()) v.push_back(finite_float(x, "an entry of calibration_mean of '" + item.key() + "'"));
    }
  }

  std::map<std::string, const st::TensorRecord*> index;
  for (const auto& r : c.tensors) index[r.name] = &r;
  const json encodings = parse_untrusted_json(meta(c, "encodings"), "metadata 'encodings'");
  if (!encodings.is_object()) fail("metadata 'encodings' is not a JSON object");
  std::set<std::string> used;
  for (const auto& item : encodings.items()) {
    Tensor t = read_tensor(item.key(), item.value(), index);
    used.insert(item.key());
    if (t.encoding != Encoding::fp32) {
      used.insert(item.key() + kWp);
      used.insert(item.key() + kWn);
    }
    m.tensors.emplace(item.key(), std::move(t));
  }
  for (const auto& r : c.tensors) {
    if (!used.count(r.name)) fail("tensor '" + r.name + "' is in the file but not listed in 'encodings'");
  }
  validate_model(m, /*graph_checked=*/true);
  return m;
}

}  // namespace

const char* encoding_name(Encoding e) {
  switch (e) {
    case Encoding::fp32: return "fp32";
    case Encoding::ternary2: return "ternary2";
    case Encoding::ternary1_6: return "ternary1.6";
  }
  return "?";
}

Encoding parse_encoding(const std::string& s) {
  if (s == "fp32") return Encoding::fp32;
  if (s == "ternary2") return Encoding::ternary2;
  if (s == "ternary1.6") return Encoding::ternary1_6;
  throw FormatError("unknown tensor encoding '" + s + "'", "known encodings: fp32, ternary2, ternary1.6");
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("tensor shape " + shape_to_string(shape) + " has a negative dimension");
    if (__builtin_mul_overflow(n, d, &n)) throw ShapeError("tensor shape " + shape_to_string(shape) + " has too many elements");
  }
  return n;
}

double Tensor::bits_per_weight() const {
  switch (encoding) {
    case Encoding::fp32: return 32.0;
    case Encoding::ternary2: return 2.0;
    case Encoding::ternary1_6: return 1.6;
  }
  return 0.0;
}

size_t Tensor::stored_bytes() const {
  const auto n = static_cast<size_t>(numel());
  switch (encoding) {
    case Encoding::fp32: return 4 * n;
    case Encoding::ternary2: return ternary2_packed_bytes(n) + 2 * sizeof(float);  // codes + wp + wn
    case Encoding::ternary1_6: return ternary1_6_packed_bytes(n) + 2 * sizeof(float);
  }
  return 0;
}

std::string serialize_model_file(const ModelFile& m) {
  try {
    validate_model(m);
  } catch (const UserError& e) {
    throw FormatError("cannot save model: " + std::string(e.what()), "this is a bug in the exporter");
  }
  st::Contents c;
  c.metadata = {
      {"format", "ttq"},
      {"format_version", std::to_string(ModelFile::kFormatVersion)},
      {"architecture", m.architecture},
      {"graph", dump_json(m.graph.to_json(), "graph")},
      {"encodings", dump_json(encodings_json(m), "tensor encodings")},
      {"calibration", dump_json(json(m.calibration), "calibration")},
      {"input_mean", dump_json(json(m.input_mean), "input_mean")},
      {"input_std", dump_json(json(m.input_std), "input_std")},
      {"num_classes", std::to_string(m.num_classes)},
      {"info", dump_json(m.info, "info")},
  };
  if (!m.calibration_mean.empty()) c.metadata["calibration_mean"] = dump_json(means_json(m.calibration_mean), "calibration_mean");
  std::vector<std::vector<uint8_t>> packed;  // owns the code bytes the records point to
  packed.reserve(m.tensors.size());
  for (const auto& [name, t] : m.tensors) {
    if (t.encoding == Encoding::fp32) {
      c.tensors.push_back({name, st::DType::F32, t.shape, bytes_of(t.values.data(), 4 * t.values.size())});
      continue;
    }
    packed.push_back(t.encoding == Encoding::ternary2 ? pack_ternary2(t.codes.data(), t.codes.size())
                                                      : pack_ternary1_6(t.codes.data(), t.codes.size()));
    c.tensors.push_back({name, st::DType::U8, {static_cast<int64_t>(packed.back().size())}, bytes_of(packed.back().data(), packed.back().size())});
    c.tensors.push_back({name + kWp, st::DType::F32, {1}, bytes_of(&t.wp, sizeof t.wp)});
    c.tensors.push_back({name + kWn, st::DType::F32, {1}, bytes_of(&t.wn, sizeof t.wn)});
  }
  return st::serialize(c);
}

void save_model_file(const std::string& path, const ModelFile& m) {
  const std::string bytes = serialize_model_file(m);  // before touching the disk: an invalid model leaves no file
  write_file_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

ModelFile load_model_file(const std::string& path) { return parse_model_file(read_file(path), path); }

ModelFile parse_model_file(const std::string& bytes, const std::string& origin) {
  const st::Contents c = st::parse(bytes, origin);  // its errors already name the origin
  try {
    return read_model(c);
  } catch (const UserError& e) {
    throw FormatError(origin + ": " + e.what(), e.hint().empty() ? kHint : e.hint());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(origin + ": unexpected JSON content: " + e.what(), kHint);
  }
}

std::vector<std::string> ternary_layer_inputs(const ModelFile& m) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Node& n : m.graph.nodes) {
    const auto w = m.tensors.find(n.name + ".weight");
    if (w == m.tensors.end() || w->second.encoding == Encoding::fp32 || n.inputs.empty()) continue;
    if (seen.insert(n.inputs[0]).second) out.push_back(n.inputs[0]);
  }
  return out;
}

}  // namespace ttq::format
