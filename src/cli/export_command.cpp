// ttq export: a trained checkpoint (or a .ttq model file) to a 2-bit ttq model file the
// runtime runs, to an ONNX model (fp32 or int8 QDQ, docs/ONNX.md), or (a checkpoint) to
// a PyTorch state dict under torchvision's names (docs/PYTORCH.md).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "common/error.h"
#include "format/model_file.h"
#include "format/state_dict_file.h"
#include "onnx/export_onnx.h"
#include "onnx/onnx_file.h"
#include "train/export/export_model.h"
#include "train/interop/state_dict_interop.h"
#include "train/models/network.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/data_setup.h"
#include "train/trainer/model_builder.h"

namespace ttq::cli {
namespace {

enum class OutputFormat { ttq, onnx, pytorch, safetensors };

OutputFormat parse_output_format(const std::string& text) {
  if (text == "ttq") return OutputFormat::ttq;
  if (text == "onnx") return OutputFormat::onnx;
  if (text == "pth") return OutputFormat::pytorch;
  if (text == "safetensors") return OutputFormat::safetensors;
  throw ArgumentError("unknown output format '" + text + "'", "use --format ttq, onnx, pth or safetensors");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

OutputFormat output_format_for(const std::string& path) {
  if (ends_with(path, ".onnx")) return OutputFormat::onnx;
  if (ends_with(path, ".pth") || ends_with(path, ".pt")) return OutputFormat::pytorch;
  if (ends_with(path, ".safetensors")) return OutputFormat::safetensors;
  return OutputFormat::ttq;
}

bool is_state_dict(OutputFormat f) { return f == OutputFormat::pytorch || f == OutputFormat::safetensors; }

// What the export reads: a run directory or checkpoint (LibTorch), or a model file that
// has been exported before (no LibTorch needed).
enum class InputKind { checkpoint, model_file };

// A run directory is a checkpoint; a file is a model file when it is a safetensors file
// (8-byte header length, then '{') or named .ttq, a checkpoint when it is a zip archive
// (LibTorch's format); anything else is neither.
InputKind input_kind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw FileError("'" + path + "' does not exist", "check the path");
  if (S_ISDIR(st.st_mode)) return InputKind::checkpoint;
  if (ends_with(path, ".ttq")) return InputKind::model_file;
  char head[9] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(head, sizeof head);
  if (in.gcount() == sizeof head && head[8] == '{') return InputKind::model_file;
  if (in.gcount() >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return InputKind::checkpoint;
  throw FormatError("'" + path + "' is neither a ttq checkpoint nor a ttq model file",
                    "pass a run directory, its checkpoint.pt, or a .ttq model file");
}

struct CheckpointFlags {
  std::string data_path;
  train::ExportOptions options;
};

format::ModelFile model_from_checkpoint(const std::string& path, format::Encoding encoding, CheckpointFlags flags) {
  const auto [net, meta, resolved] = train::load_network(path);
  auto cfg = meta.config;
  if (!flags.data_path.empty()) cfg.data_path = flags.data_path;
  cfg.train_limit = flags.options.calibration_images;
  const auto data = train::open_train_data(cfg);
  flags.options.ternary_encoding = encoding;
  auto result = train::export_model(*net, meta, *data.train, data.norm, flags.options);
  auto& m = result.model;
  m.info = {{"dataset", cfg.dataset},
            {"method", cfg.quantized() ? cfg.quant.method : "fp32"},
            {"epochs", meta.epochs_done},
            {"checkpoint", resolved},
            {"calibration_images", flags.options.calibration_images},
            {"graph_max_abs_diff", result.graph_max_abs_diff}};
  if (!meta.history.empty()) m.info["top1"] = meta.history.back()["top1"];
  return std::move(result.model);
}

// `--int8-first-conv`: the runtime runs the fp32 conv that reads the graph input in int8
// (graph attr "int8"; docs/RUNTIME.md "The first conv in int8").
void mark_first_conv_int8(format::ModelFile& m) {
  for (auto& n : m.graph.nodes) {
    if (n.op != "conv2d" || n.inputs.at(0) != "input") continue;
    const auto w = m.tensors.find(n.name + ".weight");
    if (w == m.tensors.end() || w->second.encoding != format::Encoding::fp32) {
      throw ArgumentError("the first conv '" + n.name + "' is not an fp32 layer", "--int8-first-conv is for an fp32 first conv");
    }
    n.attrs["int8"] = true;
    return;
  }
  throw ArgumentError("the model has no conv reading its input", "--int8-first-conv needs an image network's first conv");
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto* c = app.add_subcommand("export", "write a checkpoint or model file as a ttq model file (ternary layers in 2 or "
                                         "1.6 bits) or as an ONNX model (fp32 or int8 QDQ)");
  auto input = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto encoding = std::make_shared<std::string>("ternary2");
  auto format_flag = std::make_shared<std::string>();
  auto precision_flag = std::make_shared<std::string>("fp32");
  auto flags = std::make_shared<CheckpointFlags>();
  c->add_option("checkpoint", *input, "run directory, checkpoint file, or .ttq model file")->required();
  c->add_option("-o,--output", *out, "file to write: .ttq, .onnx (ONNX), .pth or .safetensors (PyTorch state dict)")
      ->required();
  auto* encoding_opt = c->add_option("--encoding", *encoding, "ternary2 or ternary1.6 (.ttq output)")
                           ->check(CLI::IsMember({"ternary2", "ternary1.6"}));
  auto* format_opt =
      c->add_option("--format", *format_flag, "ttq, onnx, pth or safetensors (default: from the output's extension)");
  auto* precision_opt = c->add_option("--onnx-precision", *precision_flag, "fp32 or int8 (QDQ) for ONNX output");
  auto* data_opt = c->add_option("--data-path", flags->data_path, "training data for calibration (default: the run's)");
  auto* images_opt = c->add_option("--calibration-images", flags->options.calibration_images,
                                   "training images used to calibrate activations")
                         ->check(CLI::PositiveNumber);
  auto int8_first_conv = std::make_shared<bool>(false);
  c->add_flag("--int8-first-conv", *int8_first_conv,
              ".ttq output: the runtime runs the first conv in int8 too (u8 input with a zero point; "
              "accuracy measured in docs/RUNTIME.md)");
  c->callback([=] {
    // Every flag is read before anything is loaded, so a bad one fails at once.
    const OutputFormat to = format_opt->count() ? parse_output_format(*format_flag) : output_format_for(*out);
    const auto precision = onnx_export::parse_onnx_precision(*precision_flag);
    const auto ternary_encoding = format::parse_encoding(*encoding);
    if (to != OutputFormat::onnx && precision_opt->count()) {
      throw ArgumentError("--onnx-precision applies to ONNX output only", "name the output .onnx or add --format onnx");
    }
    if (to != OutputFormat::ttq && *int8_first_conv) {
      throw ArgumentError("--int8-first-conv applies to .ttq output only",
                          "it is how the runtime runs a .ttq file; the int8 ONNX export quantizes every conv anyway");
    }
    if (to != OutputFormat::ttq && encoding_opt->count()) {
      throw ArgumentError("--encoding applies to .ttq output only", "ONNX and PyTorch store ternary weights as floats or s8");
    }
    if (is_state_dict(to)) {
      if (data_opt->count() || images_opt->count()) {
        throw ArgumentError("a PyTorch state dict needs no calibration", "drop --data-path and --calibration-images");
      }
      if (input_kind(*input) == InputKind::model_file) {
        throw ArgumentError("'" + *input + "' is a ttq model file (batch norms folded, activations calibrated)",
                            "export the PyTorch state dict from the run directory it came from");
      }
      const auto loaded = train::load_network(*input);
      const auto state = train::network_state_dict(*loaded.net);
      format::save_state_dict(*out, state,
                              to == OutputFormat::pytorch ? format::StateDictFormat::torch_save
                                                          : format::StateDictFormat::safetensors);
      std::printf("wrote %s: %s state dict of %zu tensors (%s, %s)\n", out->c_str(), loaded.meta.config.model.c_str(),
                  state.size(), to == OutputFormat::pytorch ? "torch.save" : "safetensors",
                  loaded.meta.config.quantized() ? "quantized weights as the floats they stand for" : "fp32");
      return;
    }
    const InputKind kind = input_kind(*input);
    if (kind == InputKind::model_file && (data_opt->count() || images_opt->count())) {
      throw ArgumentError("--data-path and --calibration-images apply to a checkpoint; '" + *input +
                              "' is a model file, calibrated when it was exported",
                          "export it without them");
    }

    format::ModelFile m;
    if (kind == InputKind::model_file) {
      m = format::load_model_file(*input);
      if (encoding_opt->count()) {  // re-encode its ternary tensors (the codes stay the same)
        for (auto& [name, t] : m.tensors)
          if (t.encoding != format::Encoding::fp32) t.encoding = ternary_encoding;
      }
    } else {
      m = model_from_checkpoint(*input, ternary_encoding, *flags);
    }

    if (to == OutputFormat::onnx) {
      const auto model = onnx_export::export_onnx(m, precision);
      onnx_export::save_onnx_model(model, *out);
      std::printf("wrote %s: ONNX opset %d, %s, %d nodes, %zu bytes\n", out->c_str(), onnx_export::kOnnxOpset,
                  precision == onnx_export::OnnxPrecision::int8 ? "int8 QDQ" : "fp32", model.graph().node_size(),
                  model.ByteSizeLong());
      return;
    }
    if (*int8_first_conv) mark_first_conv_int8(m);
    format::save_model_file(*out, m);
    size_t bytes = 0;
    for (const auto& [name, t] : m.tensors) bytes += t.stored_bytes();
    std::printf("wrote %s: %zu tensors, %zu bytes of tensor data\n", out->c_str(), m.tensors.size(), bytes);
  });
}

}  // namespace ttq::cli
