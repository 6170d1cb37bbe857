// A general safetensors reader and writer (https://github.com/huggingface/safetensors
// format): 8-byte little-endian header length N, N bytes of JSON header, then one
// data buffer. Torch-free; knows nothing about ttq models (see model_file.h).
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the buffer start) and may hold "__metadata__", a string->string map.
// The reader trusts nothing: every rule the reference implementation enforces is
// checked here, and any violation is a FormatError naming the origin and the tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ttq::format::safetensors {

enum class DType { BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64 };

const char* dtype_name(DType d);                  // "F32", ...
size_t dtype_size(DType d);                       // bytes per element
// Throws FormatError for names outside the list above.
DType parse_dtype(const std::string& name);

// The spec's limit on the JSON header (the reference reader refuses larger ones).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorRecord {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // [] is a scalar (1 element); 0-sized dims are allowed
  std::string_view data;       // little-endian bytes; points into the parsed input or the caller's buffer
};

struct Contents {
  std::map<std::string, std::string> metadata;  // "__metadata__"
  std::vector<TensorRecord> tensors;            // parse: in buffer order; serialize: see below

  // The tensor called `name`, or nullptr.
  const TensorRecord* find(const std::string& name) const;
};

// Element count of `shape`; throws FormatError (naming `what`) on a negative dim or
// if the count or its byte size with `elem_size` would overflow 64 bits.
uint64_t checked_numel(const std::vector<int64_t>& shape, size_t elem_size, const std::string& what);

// Parses a whole file. The returned records' `data` point into `bytes`, which must
// outlive them. Throws FormatError ("<origin>: ...") on anything not in the spec:
// short file, header length > kMaxHeaderBytes or past the end, header not a JSON
// object starting with '{', unknown keys or dtypes, metadata values that are not
// strings, data_offsets out of bounds, overlapping, leaving gaps, or not covering the
// buffer exactly, or a byte count different from numel * dtype size.
Contents parse(std::string_view bytes, const std::string& origin);

// Writes a file any safetensors reader opens. The header is padded with spaces to
// a multiple of 8 bytes; tensors are laid out by decreasing element size (8, 4, 2,
// 1 bytes) and, within a size, in the order given, so every tensor is naturally
// aligned in a memory-mapped file. Throws FormatError on duplicate or reserved
// names, a data size that does not match dtype and shape, or non-UTF-8 strings.
std::string serialize(const Contents& contents);

}  // namespace ttq::format::safetensors
