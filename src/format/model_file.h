// A ttq model file: a safetensors container (so any safetensors reader opens it)
// holding the graph, fp32 and ternary tensors, and activation calibration.
// The on-disk layout is specified in docs/FORMAT.md. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/graph.h"

namespace ttq::format {

enum class Encoding { fp32, ternary2, ternary1_6 };
const char* encoding_name(Encoding e);  // "fp32", "ternary2", "ternary1.6"
Encoding parse_encoding(const std::string& s);  // throws FormatError

// A tensor as the program sees it, decoded: fp32 values, or ternary codes + scales.
struct Tensor {
  std::vector<int64_t> shape;
  Encoding encoding = Encoding::fp32;
  std::vector<float> values;   // fp32: numel() values, row-major
  std::vector<int8_t> codes;   // ternary: numel() codes in {-1, 0, +1}, row-major
  float wp = 0.f, wn = 0.f;    // ternary: weight = +wp, 0, -wn
  int64_t numel() const;
  double bits_per_weight() const;  // as stored on disk (32, 2.0, 1.6)
  size_t stored_bytes() const;     // bytes of this tensor's data on disk
};

struct ModelFile {
  static constexpr int kFormatVersion = 1;
  std::string architecture;                 // "resnet20", ...
  Graph graph;
  std::map<std::string, Tensor> tensors;    // "layer1.0.conv1.weight", ...
  // Largest value seen at each activation on calibration images (post-ReLU
  // activations are >= 0): the runtime's u8 scale of activation a is calibration[a] / 255.
  std::map<std::string, float> calibration;
  // Optional: the mean of each channel of an activation on the same images (one value per
  // channel, the activation's first dimension). Written for the inputs of ternary layers;
  // the runtime uses it to correct the bias its integer Wp/Wn levels introduce.
  std::map<std::string, std::vector<float>> calibration_mean;
  std::vector<float> input_mean, input_std;  // per input channel; x = (pixel/255 - mean) / std
  int num_classes = 0;
  nlohmann::json info = nlohmann::json::object();  // free-form: dataset, method, training command, ...
};

// Writes atomically (temporary file + rename). Throws FileError.
void save_model_file(const std::string& path, const ModelFile& m);
// Reads and validates everything; throws FileError / FormatError, never crashes.
ModelFile load_model_file(const std::string& path);
ModelFile parse_model_file(const std::string& bytes, const std::string& origin);
std::string serialize_model_file(const ModelFile& m);

// The activations read by ternary layers (the first input of a conv2d/linear node whose
// weight is ternary), each once, in node order: those calibration_mean is written for.
std::vector<std::string> ternary_layer_inputs(const ModelFile& m);

}  // namespace ttq::format
