// ttq info: a zoo model's layers (params, MACs), or what a model file (.ttq or .onnx) holds.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/shape_flag.h"
#include "common/error.h"
#include "format/model_file.h"
#include "onnx/onnx_file.h"
#include "train/models/layer_table.h"
#include "train/models/model_zoo.h"
#include "train/models/network.h"

namespace ttq::cli {
namespace {

void print_model_file(const std::string& path) {
  const auto m = format::load_model_file(path);
  std::printf("%s: %s, format version %d, input %lldx%lldx%lld, %d classes\n", path.c_str(), m.architecture.c_str(),
              format::ModelFile::kFormatVersion, (long long)m.graph.input_shape[0], (long long)m.graph.input_shape[1],
              (long long)m.graph.input_shape[2], m.num_classes);
  std::printf("%-40s %-10s %14s %10s %12s %9s\n", "tensor", "encoding", "shape", "bits/w", "bytes", "zeros");
  size_t total_bytes = 0, ternary_weights = 0, ternary_zeros = 0, weights = 0;
  for (const auto& [name, t] : m.tensors) {
    std::string shape;
    for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(t.shape[i]);
    const bool ternary = t.encoding != format::Encoding::fp32;
    size_t zeros = 0;
    for (int8_t c : t.codes) zeros += c == 0;
    std::string zero_text = "-";
    if (ternary) {
      char b[32];
      std::snprintf(b, sizeof b, "%.1f%%", 100.0 * double(zeros) / double(std::max<int64_t>(1, t.numel())));
      zero_text = b;
      ternary_weights += t.numel();
      ternary_zeros += zeros;
    }
    weights += t.numel();
    total_bytes += t.stored_bytes();
    std::printf("%-40s %-10s %14s %10.2f %12zu %9s\n", name.c_str(), format::encoding_name(t.encoding), shape.c_str(),
                t.bits_per_weight(), t.stored_bytes(), zero_text.c_str());
  }
  std::printf("total: %zu values in %zu bytes of tensor data (%.2f bits/value); ternary: %zu weights, %.1f%% zeros\n",
              weights, total_bytes, 8.0 * total_bytes / double(std::max<size_t>(1, weights)), ternary_weights,
              100.0 * ternary_zeros / double(std::max<size_t>(1, ternary_weights)));
}

// An ONNX file: its opset and how many nodes of each op it has (e.g. what ONNX Runtime's
// optimizer fused an int8 QDQ model into).
void print_onnx_file(const std::string& path, bool json) {
  const auto model = onnx_export::load_onnx_model(path);
  const auto counts = onnx_export::op_counts(model);
  int64_t opset = 0;
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  }
  if (json) {
    std::cout << nlohmann::json{{"file", path}, {"opset", opset}, {"nodes", model.graph().node_size()}, {"op_counts", counts}}.dump()
              << std::endl;
    return;
  }
  std::printf("%s: ONNX opset %lld, %d nodes\n", path.c_str(), static_cast<long long>(opset), model.graph().node_size());
  for (const auto& [op, n] : counts) std::printf("  %-32s %5d\n", op.c_str(), n);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto* c = app.add_subcommand("info", "layers, parameters and MACs of a zoo model, or the contents of a model file");
  auto file = std::make_shared<std::string>();
  auto model = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>("3x32x32");
  auto classes = std::make_shared<int64_t>(10);
  auto list = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  c->add_option("file", *file, "a .ttq model file, or an .onnx file (its op counts)");
  c->add_flag("--json", *json, ".onnx: one JSON line");
  c->add_option("--model", *model, "a zoo architecture");
  c->add_option("--input", *input, "input shape CxHxW");
  c->add_option("--num-classes", *classes, "classes")->check(CLI::PositiveNumber);
  c->add_flag("--list", *list, "list the zoo");
  c->callback([=] {
    if (*list) {
      for (const auto& n : train::model_names()) std::cout << train::model_summary(n) << "\n";
      return;
    }
    if (!file->empty() && ends_with(*file, ".onnx")) return print_onnx_file(*file, *json);
    if (!file->empty()) return print_model_file(*file);
    if (model->empty()) throw ArgumentError("info needs a model file or --model NAME", "see ttq info --list");
    train::ModelOptions o;
    const auto shape = parse_input_shape(*input);
    o.in_channels = shape[0];
    o.height = shape[1];
    o.width = shape[2];
    o.num_classes = *classes;
    auto net = train::make_model(*model, o);
    std::cout << train::format_layer_table(train::layer_table(*net, shape));
  });
}

}  // namespace ttq::cli
