#include "format/state_dict_file.h"

#include <cstring>
#include <list>
#include <map>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "format/pickle_reader.h"
#include "format/zip_archive.h"

namespace ttq::format {
namespace {

using pickle::Kind;
using pickle::Value;
using safetensors::DType;

const char* const kHint = "save it with torch.save(model.state_dict(), path)";
// How many times a view may hold its storage's elements (see TensorDecoder::gather).
constexpr uint64_t kMaxViewRepeat = 1024;

// PyTorch's typed storage classes, as torch.save names them in a storage's persistent id.
struct StorageType {
  const char* name;
  DType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", DType::F32}, {"torch.DoubleStorage", DType::F64}, {"torch.HalfStorage", DType::F16},
    {"torch.BFloat16Storage", DType::BF16}, {"torch.LongStorage", DType::I64}, {"torch.IntStorage", DType::I32},
    {"torch.ShortStorage", DType::I16}, {"torch.CharStorage", DType::I8}, {"torch.ByteStorage", DType::U8},
    {"torch.BoolStorage", DType::BOOL},
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Turns the pickle's tensors into NamedTensors, reading storages from the archive once each.
class TensorDecoder {
 public:
  TensorDecoder(const zip::Reader& archive, std::string prefix) : archive_(archive), prefix_(std::move(prefix)) {}

  NamedTensor decode(const std::string& name, const Value& v, int depth = 0) {
    const std::string where = archive_.origin() + ": '" + name + "'";
    if (v.kind != Kind::call) {
      throw FormatError(where + " is a " + kind_name(v.kind) + ", not a tensor", kHint);
    }
    const std::string& fn = v.items[0]->text;
    const auto& args = v.items[1]->items;
    if ((fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") && depth == 0) {
      if (args.empty()) throw FormatError(where + ": a parameter without its tensor", kHint);
      return decode(name, *args[0], depth + 1);
    }
    if (fn != "torch._utils._rebuild_tensor_v2") {
      throw FormatError(where + " is a " + fn + " object, not a dense tensor", "only dense CPU/GPU tensors are read");
    }
    if (args.size() < 4) throw FormatError(where + ": tensor with " + std::to_string(args.size()) + " arguments", kHint);
    NamedTensor t;
    t.name = name;
    const std::string_view storage = storage_bytes(where, *args[0], t.dtype);
    const int64_t offset = integer(where, *args[1], "storage offset");
    t.shape = int_tuple(where, *args[2], "size");
    const std::vector<int64_t> stride = int_tuple(where, *args[3], "stride");
    if (stride.size() != t.shape.size()) throw FormatError(where + ": size and stride differ in length", kHint);
    gather(where, storage, offset, stride, t);
    return t;
  }

 private:
  static int64_t integer(const std::string& where, const Value& v, const char* what) {
    if (v.kind != Kind::integer || v.integer < 0) throw FormatError(where + ": bad " + std::string(what), kHint);
    return v.integer;
  }
  static const std::string& text(const std::string& where, const Value& v, const char* what) {
    if (v.kind != Kind::string) throw FormatError(where + ": bad " + std::string(what), kHint);
    return v.text;
  }
  static std::vector<int64_t> int_tuple(const std::string& where, const Value& v, const char* what) {
    if (v.kind != Kind::tuple) throw FormatError(where + ": " + what + " is not a tuple", kHint);
    std::vector<int64_t> out;
    for (const Value* item : v.items) out.push_back(integer(where, *item, what));
    return out;
  }

  // The persistent id ('storage', torch.XStorage, key, location, numel) -> the storage's bytes.
  std::string_view storage_bytes(const std::string& where, const Value& v, DType& dtype) {
    if (v.kind != Kind::persistent || v.items[0]->kind != Kind::tuple || v.items[0]->items.size() != 5) {
      throw FormatError(where + ": tensor without a storage", kHint);
    }
    const auto& id = v.items[0]->items;
    if (text(where, *id[0], "storage id") != "storage" || id[1]->kind != Kind::global) {
      throw FormatError(where + ": bad storage id", kHint);
    }
    const StorageType* type = nullptr;
    for (const auto& s : kStorageTypes)
      if (id[1]->text == s.name) type = &s;
    if (!type) throw FormatError(where + ": storage of type " + id[1]->text + " is not supported", kHint);
    dtype = type->dtype;
    const std::string& key = text(where, *id[2], "storage key");
    const int64_t numel = integer(where, *id[4], "storage size");
    auto cached = storages_.find(key);
    if (cached == storages_.end()) {
      const zip::Entry* entry = archive_.find(prefix_ + "data/" + key);
      if (!entry) throw FormatError(where + ": storage '" + key + "' is missing from the archive", kHint);
      buffers_.emplace_back();
      cached = storages_.emplace(key, archive_.read(*entry, buffers_.back())).first;
    }
    const uint64_t elem = safetensors::dtype_size(dtype);
    if (uint64_t(numel) > cached->second.size() / elem || cached->second.size() != uint64_t(numel) * elem) {
      throw FormatError(where + ": storage '" + key + "' holds " + std::to_string(cached->second.size()) +
                            " bytes, not " + std::to_string(numel) + " elements",
                        kHint);
    }
    return cached->second;
  }

  // Copies the strided view (offset, shape, stride) of `storage` into t.data, contiguous.
  static void gather(const std::string& where, std::string_view storage, int64_t offset, const std::vector<int64_t>& stride,
                     NamedTensor& t) {
    const size_t elem = safetensors::dtype_size(t.dtype);
    const uint64_t numel = safetensors::checked_numel(t.shape, elem, where);
    const uint64_t available = storage.size() / elem;
    if (numel == 0) return;
    // The largest element index the view touches must lie inside the storage.
    uint64_t last = uint64_t(offset);
    for (size_t d = 0; d < t.shape.size(); ++d) {
      uint64_t reach;
      if (__builtin_mul_overflow(uint64_t(t.shape[d] - 1), uint64_t(stride[d]), &reach) ||
          __builtin_add_overflow(last, reach, &last)) {
        throw FormatError(where + ": view out of its storage", kHint);
      }
    }
    if (last >= available) throw FormatError(where + ": view out of its storage", kHint);
    // A view may repeat elements (stride 0 after expand()), so it can hold more than its
    // storage; copied out, a hostile one would allocate whatever it claims.
    if ((numel - 1) / kMaxViewRepeat >= available) {
      throw FormatError(where + ": a view of " + std::to_string(numel) + " elements repeats its storage of " +
                            std::to_string(available) + " more than " + std::to_string(kMaxViewRepeat) + " times",
                        "call .contiguous() on expanded tensors before saving them");
    }
    t.data.resize(numel * elem);
    bool contiguous = true;
    for (size_t d = t.shape.size(), expected = 1; d-- > 0;) {
      if (t.shape[d] != 1 && uint64_t(stride[d]) != expected) contiguous = false;
      expected *= size_t(t.shape[d]);
    }
    if (contiguous) {
      std::memcpy(t.data.data(), storage.data() + uint64_t(offset) * elem, t.data.size());
      return;
    }
    std::vector<int64_t> index(t.shape.size(), 0);
    for (uint64_t i = 0; i < numel; ++i) {
      uint64_t at = uint64_t(offset);
      for (size_t d = 0; d < index.size(); ++d) at += uint64_t(index[d]) * uint64_t(stride[d]);
      std::memcpy(t.data.data() + i * elem, storage.data() + at * elem, elem);
      for (size_t d = index.size(); d-- > 0;) {  // odometer
        if (++index[d] < t.shape[d]) break;
        index[d] = 0;
      }
    }
  }

  const zip::Reader& archive_;
  std::string prefix_;
  std::map<std::string, std::string_view> storages_;
  std::list<std::string> buffers_;  // inflated storages (stored ones are views of the file)
};

std::string_view string_key(const Value& v) { return v.kind == Kind::string ? std::string_view(v.text) : std::string_view(); }

// The state dict inside the pickle's top-level object (see the header).
const Value& find_state_dict(const Value& root, const std::string& origin) {
  if (root.kind == Kind::call) {
    throw FormatError(origin + " holds a pickled " + root.items[0]->text + " object, not a state dict",
                      "save model.state_dict() rather than the model");
  }
  if (root.kind != Kind::dict) throw FormatError(origin + " holds a " + std::string(kind_name(root.kind)) + ", not a state dict", kHint);
  for (const char* key : {"state_dict", "model"}) {
    for (size_t i = 0; i + 1 < root.items.size(); i += 2) {
      if (string_key(*root.items[i]) != key) continue;
      const Value& v = *root.items[i + 1];
      if (v.kind == Kind::dict) return v;
      // A tensor called "model" or "state_dict" makes root the state dict itself.
      if (v.kind == Kind::call && v.items[0]->text.rfind("torch._utils._rebuild_", 0) != 0) {
        throw FormatError(origin + ": '" + key + "' is a pickled " + v.items[0]->text + " object, not a state dict",
                          "save model.state_dict() rather than the model");
      }
    }
  }
  return root;
}

// The legacy (pre-1.6) torch.save format starts with a pickled magic number.
bool is_legacy_torch_file(std::string_view bytes) { return bytes.substr(0, 4) == std::string_view("\x80\x02\x8a\x0a", 4); }

// ---- writing a pickle ----
void put_int(std::string& p, int64_t v) {
  if (v >= 0 && v < 256) {
    p += 'K';
    p += char(v);
  } else if (v >= 0 && v < 65536) {
    p += 'M';
    p += char(v & 0xff);
    p += char(v >> 8);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    p += 'J';
    for (int i = 0; i < 4; ++i) p += char((uint64_t(v) >> (8 * i)) & 0xff);
  } else {
    p += '\x8a';  // LONG1, 8 bytes
    p += char(8);
    for (int i = 0; i < 8; ++i) p += char((uint64_t(v) >> (8 * i)) & 0xff);
  }
}
void put_string(std::string& p, const std::string& s) {
  p += 'X';
  for (int i = 0; i < 4; ++i) p += char((uint64_t(s.size()) >> (8 * i)) & 0xff);
  p += s;
}
void put_global(std::string& p, const char* module, const char* name) {
  p += 'c';
  p += module;
  p += '\n';
  p += name;
  p += '\n';
}
void put_int_tuple(std::string& p, const std::vector<int64_t>& v) {
  p += '(';
  for (int64_t x : v) put_int(p, x);
  p += 't';
}
void put_empty_ordered_dict(std::string& p) {
  put_global(p, "collections", "OrderedDict");
  p += ")R";  // EMPTY_TUPLE, REDUCE
}

const char* storage_class(const NamedTensor& t) {
  for (const auto& s : kStorageTypes)
    if (s.dtype == t.dtype) return s.name + 6;  // past "torch."
  throw FormatError("tensor '" + t.name + "' has dtype " + safetensors::dtype_name(t.dtype) + ", which PyTorch cannot store",
                    "convert it to a signed or floating dtype");
}

}  // namespace

StateDictFormat state_dict_format_for(const std::string& path) {
  if (ends_with(path, ".safetensors")) return StateDictFormat::safetensors;
  for (const char* ext : {".pth", ".pt", ".bin"})
    if (ends_with(path, ext)) return StateDictFormat::torch_save;
  throw ArgumentError("cannot tell the state dict format of '" + path + "'", "name it .pth, .pt or .safetensors");
}

StateDict parse_torch_state_dict(std::string_view bytes, const std::string& origin) {
  if (is_legacy_torch_file(bytes)) {
    throw FormatError(origin + " is in torch.save's legacy format (PyTorch < 1.6)",
                      "load it in PyTorch and save it again with a current torch.save");
  }
  const zip::Reader archive(bytes, origin);
  const zip::Entry* pkl = nullptr;
  for (const auto& e : archive.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") {
      if (pkl) throw FormatError(origin + " holds two pickles ('" + pkl->name + "', '" + e.name + "')", kHint);
      pkl = &e;
    }
  }
  if (!pkl) {
    for (const auto& e : archive.entries()) {
      if (ends_with(e.name, "constants.pkl") || e.name.find("/code/") != std::string::npos) {
        throw FormatError(origin + " is a TorchScript or LibTorch archive, not a torch.save state dict",
                          "in Python, save model.state_dict() with torch.save; a ttq run's checkpoint is read by `ttq export`");
      }
    }
    throw FormatError(origin + " is a zip archive without data.pkl, not a torch.save file", kHint);
  }
  std::string scratch;
  const std::string pickle_bytes(archive.read(*pkl, scratch));
  const auto unpickled = pickle::unpickle(pickle_bytes, origin + ": " + pkl->name);
  const Value& dict = find_state_dict(unpickled.root(), origin);

  TensorDecoder decoder(archive, pkl->name.substr(0, pkl->name.size() - std::string_view("data.pkl").size()));
  StateDict out;
  std::set<std::string> seen;
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const Value& key = *dict.items[i];
    if (key.kind != Kind::string) {
      throw FormatError(origin + ": a state dict key is a " + std::string(kind_name(key.kind)) + ", not a string", kHint);
    }
    if (!seen.insert(key.text).second) throw FormatError(origin + ": '" + key.text + "' appears twice", kHint);
    out.push_back(decoder.decode(key.text, *dict.items[i + 1]));
  }
  return out;
}

StateDict parse_safetensors_state_dict(std::string_view bytes, const std::string& origin) {
  const auto contents = safetensors::parse(bytes, origin);
  StateDict out;
  for (const auto& r : contents.tensors) out.push_back({r.name, r.dtype, r.shape, std::string(r.data)});
  return out;
}

StateDict load_state_dict(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0) return parse_torch_state_dict(bytes, path);
  if (is_legacy_torch_file(bytes)) return parse_torch_state_dict(bytes, path);  // throws, with the reason
  if (bytes.size() >= 9 && bytes[8] == '{') return parse_safetensors_state_dict(bytes, path);
  throw FormatError("'" + path + "' is neither a torch.save file nor a safetensors file",
                    "save the weights with torch.save(model.state_dict(), path) or safetensors");
}

std::string serialize_torch_state_dict(const StateDict& state, const std::string& archive) {
  std::string p = "\x80\x02";  // PROTO 2, what torch.save writes
  put_empty_ordered_dict(p);
  if (!state.empty()) p += '(';
  for (size_t i = 0; i < state.size(); ++i) {
    const NamedTensor& t = state[i];
    put_string(p, t.name);
    put_global(p, "torch._utils", "_rebuild_tensor_v2");
    p += "((";  // the argument tuple, then the storage's persistent id
    put_string(p, "storage");
    put_global(p, "torch", storage_class(t));
    put_string(p, std::to_string(i));
    put_string(p, "cpu");
    const uint64_t numel = safetensors::checked_numel(t.shape, safetensors::dtype_size(t.dtype), t.name);
    put_int(p, int64_t(numel));
    p += "tQ";  // TUPLE, BINPERSID
    put_int(p, 0);
    put_int_tuple(p, t.shape);
    std::vector<int64_t> stride(t.shape.size());
    for (size_t d = t.shape.size(), s = 1; d-- > 0;) {
      stride[d] = int64_t(s);
      s *= size_t(t.shape[d]);
    }
    put_int_tuple(p, stride);
    p += '\x89';  // requires_grad = False
    put_empty_ordered_dict(p);  // backward hooks
    p += "tR";
  }
  if (!state.empty()) p += 'u';  // SETITEMS
  p += '.';

  zip::Writer zip;
  zip.add(archive + "/data.pkl", p);
  for (size_t i = 0; i < state.size(); ++i) {
    const NamedTensor& t = state[i];
    if (t.data.size() != safetensors::checked_numel(t.shape, safetensors::dtype_size(t.dtype), t.name) *
                             safetensors::dtype_size(t.dtype)) {
      throw FormatError("tensor '" + t.name + "': data size does not match its shape");
    }
    zip.add(archive + "/data/" + std::to_string(i), t.data);
  }
  zip.add(archive + "/version", "3\n");
  zip.add(archive + "/byteorder", "little");
  return zip.finish();
}

std::string serialize_safetensors_state_dict(const StateDict& state) {
  safetensors::Contents c;
  for (const auto& t : state) c.tensors.push_back({t.name, t.dtype, t.shape, t.data});
  return safetensors::serialize(c);
}

void save_state_dict(const std::string& path, const StateDict& state, StateDictFormat format) {
  const std::string bytes =
      format == StateDictFormat::torch_save ? serialize_torch_state_dict(state) : serialize_safetensors_state_dict(state);
  write_file_atomically(path, [&](std::ostream& os) { os.write(bytes.data(), std::streamsize(bytes.size())); });
}

}  // namespace ttq::format
