// PyTorch state dicts on disk: the files torch.save writes (a zip archive holding a
// pickle and one entry per storage) and .safetensors files (Hugging Face, timm).
// Torch-free: a state dict here is names, dtypes, shapes and little-endian bytes;
// src/train/interop maps one onto a network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/safetensors.h"

namespace ttq::format {

struct NamedTensor {
  std::string name;
  safetensors::DType dtype = safetensors::DType::F32;
  std::vector<int64_t> shape;  // [] is a scalar
  std::string data;            // row-major, contiguous, little-endian
};
using StateDict = std::vector<NamedTensor>;  // in file order

enum class StateDictFormat { torch_save, safetensors };

// ".pth" / ".pt" / ".bin": torch.save; ".safetensors": safetensors. Throws ArgumentError otherwise.
StateDictFormat state_dict_format_for(const std::string& path);

// A torch.save file (PyTorch >= 1.6, the zip format). The pickle's top-level object is
// the state dict (a dict or OrderedDict of tensors), or a dict that holds one under
// "state_dict" or "model" (training checkpoints). Tensors may be strided views of
// shared storages; they come out contiguous. Throws FormatError naming the origin on
// anything else: the legacy (pre-1.6) format, pickled modules, quantized or sparse
// tensors, storages out of bounds, a corrupt archive or pickle.
StateDict parse_torch_state_dict(std::string_view bytes, const std::string& origin);

// Every tensor of a safetensors file (metadata dropped).
StateDict parse_safetensors_state_dict(std::string_view bytes, const std::string& origin);

// Reads either format, told apart by content (zip or safetensors header), not by name.
StateDict load_state_dict(const std::string& path);

// A file torch.load reads back as an OrderedDict of tensors (what
// `torch.save(model.state_dict(), f)` writes); `archive` names its top folder.
// Throws FormatError for dtypes PyTorch has no storage for (U16, U32, U64).
std::string serialize_torch_state_dict(const StateDict& state, const std::string& archive = "archive");
std::string serialize_safetensors_state_dict(const StateDict& state);

// Writes `state` atomically in `format`. Throws FileError if the path cannot be written.
void save_state_dict(const std::string& path, const StateDict& state, StateDictFormat format);

}  // namespace ttq::format
