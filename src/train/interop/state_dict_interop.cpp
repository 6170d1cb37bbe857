#include "train/interop/state_dict_interop.h"

#include <torch/torch.h>

#include <map>
#include <set>
#include <utility>

#include "common/error.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"

namespace ttq::train {
namespace {

using format::NamedTensor;
using format::safetensors::DType;

// The file dtypes LibTorch has a type for (it has no unsigned types wider than 8 bits).
constexpr std::pair<DType, c10::ScalarType> kDtypes[] = {
    {DType::F32, torch::kFloat32}, {DType::F64, torch::kFloat64}, {DType::F16, torch::kFloat16},
    {DType::BF16, torch::kBFloat16}, {DType::I64, torch::kInt64}, {DType::I32, torch::kInt32},
    {DType::I16, torch::kInt16}, {DType::I8, torch::kInt8}, {DType::U8, torch::kUInt8}, {DType::BOOL, torch::kBool},
};

std::optional<c10::ScalarType> torch_dtype(DType d) {
  for (const auto& [file, torch_type] : kDtypes)
    if (file == d) return torch_type;
  return std::nullopt;
}

DType file_dtype(c10::ScalarType t) {
  for (const auto& [file, torch_type] : kDtypes)
    if (torch_type == t) return file;
  throw ArgumentError(std::string("a tensor of dtype ") + c10::toString(t) + " cannot be exported");
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

bool last_component_is(const std::string& name, const std::string& last) {
  return name.size() > last.size() && name.compare(name.size() - last.size() - 1, std::string::npos, "." + last) == 0;
}

// "a, b, c and 4 more"
std::string name_list(const std::vector<std::string>& names, size_t shown = 6) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < shown; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > shown) s += " and " + std::to_string(names.size() - shown) + " more";
  return s;
}

// The network's own tensors: parameters and buffers by dotted name.
std::map<std::string, torch::Tensor> named_tensors(Network& net) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : net.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : net.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

}  // namespace

bool drop_data_parallel_prefix(format::StateDict& state) {
  const std::string prefix = "module.";
  if (state.empty()) return false;
  for (const auto& t : state)
    if (t.name.compare(0, prefix.size(), prefix) != 0) return false;
  for (auto& t : state) t.name.erase(0, prefix.size());
  return true;
}

void load_state_dict(Network& net, const format::StateDict& state, const std::string& origin) {
  auto targets = named_tensors(net);
  std::vector<std::string> missing, unexpected, misfit;
  std::set<std::string> present;
  for (const auto& t : state) {
    present.insert(t.name);
    const auto it = targets.find(t.name);
    if (it == targets.end()) {
      unexpected.push_back(t.name);
      continue;
    }
    const auto dtype = torch_dtype(t.dtype);
    const bool floating = it->second.is_floating_point();
    const bool fits_kind = dtype && (floating ? c10::isFloatingType(*dtype) : !c10::isFloatingType(*dtype));
    if (!fits_kind || c10::IntArrayRef(t.shape) != it->second.sizes()) {
      misfit.push_back(t.name + " (file " + shape_text(t.shape) + " " + format::safetensors::dtype_name(t.dtype) +
                       ", model " + shape_text(it->second.sizes()) + " " + c10::toString(it->second.scalar_type()) + ")");
    }
  }
  for (const auto& [name, tensor] : targets) {
    if (!present.count(name) && !last_component_is(name, "num_batches_tracked")) missing.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty() || !misfit.empty()) {
    std::string what = origin + " does not fit " + net.arch + ":";
    if (!missing.empty()) what += " missing " + name_list(missing) + ";";
    if (!unexpected.empty()) what += " unexpected " + name_list(unexpected) + ";";
    if (!misfit.empty()) what += " mis-shaped " + name_list(misfit, 3) + ";";
    what.pop_back();
    throw FormatError(what, "check --model, --input and --num-classes against the model that was saved");
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : targets)
    if (last_component_is(name, "num_batches_tracked") && !present.count(name)) tensor.zero_();
  for (const auto& t : state) {
    // from_blob only reads; the copy converts to the model's dtype.
    const auto source = torch::from_blob(const_cast<char*>(t.data.data()), t.shape, torch::TensorOptions(*torch_dtype(t.dtype)));
    targets.at(t.name).copy_(source);
  }
}

format::StateDict network_state_dict(Network& net) {
  torch::NoGradGuard no_grad;
  const bool was_training = net.is_training();
  net.eval();
  std::map<std::string, torch::Tensor> computed;  // quantized layers' weights as forward uses them
  std::vector<std::string> quantizers;  // module names of the quantizers, left out with their children
  for (const auto& [name, layer] : quantizable_layers(net)) {
    if (layer->input_quantizer()) {
      throw ArgumentError("layer '" + name + "' quantizes its input activations (" + layer->input_quantizer()->kind() +
                              "), which a plain PyTorch model cannot express",
                          "export a ttq model file or ONNX instead");
    }
    if (layer->quantizer()) {
      computed[name + ".weight"] = layer->effective_weight();
      quantizers.push_back(name + ".quant");
    }
  }
  const auto is_quantizer = [&](const std::string& module) {
    for (const auto& q : quantizers)
      if (module == q || module.compare(0, q.size() + 1, q + ".") == 0) return true;
    return false;
  };
  format::StateDict out;
  for (const auto& m : net.named_modules("", /*include_self=*/true)) {
    if (is_quantizer(m.key())) continue;
    const std::string prefix = m.key().empty() ? "" : m.key() + ".";
    auto emit = [&](const std::string& local, torch::Tensor value) {
      const auto it = computed.find(prefix + local);
      if (it != computed.end()) value = it->second;
      value = value.detach().to(torch::kCPU).contiguous();
      NamedTensor t;
      t.name = prefix + local;
      t.dtype = file_dtype(value.scalar_type());
      t.shape = value.sizes().vec();
      t.data.assign(static_cast<const char*>(value.data_ptr()), value.nbytes());
      out.push_back(std::move(t));
    };
    for (const auto& p : m.value()->named_parameters(false)) emit(p.key(), p.value());
    for (const auto& b : m.value()->named_buffers(false)) emit(b.key(), b.value());
  }
  net.train(was_training);
  return out;
}

}  // namespace ttq::train
