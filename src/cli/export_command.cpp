// ttq export: a trained checkpoint to a 2-bit model file the runtime runs.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "common/error.h"
#include "format/model_file.h"
#include "train/export/export_model.h"
#include "train/models/network.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/data_setup.h"
#include "train/trainer/model_builder.h"

namespace ttq::cli {

void add_export_command(CLI::App& app) {
  auto* c = app.add_subcommand("export", "write a checkpoint as a ttq model file (ternary layers in 2 or 1.6 bits)");
  auto ckpt = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto encoding = std::make_shared<std::string>("ternary2");
  auto data_path = std::make_shared<std::string>();
  auto opts = std::make_shared<train::ExportOptions>();
  c->add_option("checkpoint", *ckpt, "checkpoint file or run directory")->required();
  c->add_option("-o,--output", *out, "model file to write (.ttq)")->required();
  c->add_option("--encoding", *encoding, "ternary2 or ternary1.6")->check(CLI::IsMember({"ternary2", "ternary1.6"}));
  c->add_option("--data-path", *data_path, "training data for calibration (default: the run's)");
  c->add_option("--calibration-images", opts->calibration_images, "training images used to calibrate activations")
      ->check(CLI::PositiveNumber);
  c->callback([=] {
    const auto [net, meta, path] = train::load_network(*ckpt);
    auto cfg = meta.config;
    if (!data_path->empty()) cfg.data_path = *data_path;
    cfg.train_limit = opts->calibration_images;
    const auto data = train::open_train_data(cfg);
    opts->ternary_encoding = format::parse_encoding(*encoding);
    auto result = train::export_model(*net, meta, *data.train, data.norm, *opts);
    auto& m = result.model;
    m.info = {{"dataset", cfg.dataset},
              {"method", cfg.quantized() ? cfg.quant.method : "fp32"},
              {"epochs", meta.epochs_done},
              {"checkpoint", path},
              {"calibration_images", opts->calibration_images},
              {"graph_max_abs_diff", result.graph_max_abs_diff}};
    if (!meta.history.empty()) m.info["top1"] = meta.history.back()["top1"];
    format::save_model_file(*out, m);
    size_t bytes = 0;
    for (const auto& [name, t] : m.tensors) bytes += t.stored_bytes();
    std::printf("wrote %s: %zu tensors, %zu bytes of tensor data\n", out->c_str(), m.tensors.size(), bytes);
  });
}

}  // namespace ttq::cli
