// ttq ptq (INT8 / FP16 post-training quantization) and ttq compress (Deep Compression file).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/error.h"
#include "train/models/network.h"
#include "train/ptq/run_ptq.h"
#include "train/quant/compression/compress_network.h"
#include "train/trainer/model_builder.h"

namespace ttq::cli {
namespace {

void add_ptq(CLI::App& app) {
  auto* c = app.add_subcommand("ptq", "post-training quantization of an fp32 checkpoint: INT8 or FP16, with SQNR");
  auto o = std::make_shared<train::PtqOptions>();
  auto granularity = std::make_shared<std::string>("per-channel");
  auto asymmetric = std::make_shared<bool>(false);
  auto weights_only = std::make_shared<bool>(false);
  auto fp16_acts = std::make_shared<bool>(false);
  c->add_option("checkpoint", o->checkpoint, "fp32 checkpoint file or run directory")->required();
  // Checked in run_ptq so that a bad value is a UserError (exit 2) with a hint.
  c->add_option("--method", o->method, "int8 or fp16");
  c->add_option("--granularity", *granularity, "int8 weights: per-tensor or per-channel (default)");
  auto* sym = c->add_flag("--symmetric", "int8: symmetric ranges (default)");
  c->add_flag("--asymmetric", *asymmetric, "int8: asymmetric ranges (u8 with a zero point)")->excludes(sym);
  c->add_flag("--weights-only", *weights_only, "int8: leave the input activations in fp32");
  c->add_flag("--fp16-activations", *fp16_acts, "fp16: round the input activations too");
  c->add_option("--calib", o->calib, "training images for calibration (default 256)");
  c->add_option("--data-path", o->data_path, "data set folder (default: the one it was trained on)");
  c->add_option("--threads", o->threads, "compute threads (0: all cores)");
  c->add_option("-b,--batch-size", o->batch_size, "test images per batch");
  c->add_option("--test-limit", o->test_limit, "only the first N test images");
  c->add_flag("--quantize-first-conv", o->quantize_first_conv, "quantize the first conv too");
  c->add_flag("--quantize-last-fc", o->quantize_last_fc, "quantize the last FC too");
  c->add_option("--output-dir", o->output_dir, "where summary.json goes");
  c->callback([=] {
    if (*granularity != "per-channel" && *granularity != "per-tensor")
      throw ArgumentError("unknown --granularity '" + *granularity + "'", "use per-tensor or per-channel");
    train::PtqOptions opt = *o;
    opt.scheme.per_channel = *granularity == "per-channel";
    opt.scheme.symmetric = !*asymmetric;
    opt.activations = opt.method == "fp16" ? *fp16_acts : !*weights_only;
    opt.command = command_line();
    const nlohmann::json s = train::run_ptq(opt);
    std::cout << train::sqnr_table(s);
    std::printf("method %s: top-1 %.2f%%  top-5 %.2f%%  (%lld test images)  packed %lld bytes, %.2f bits/weight\n",
                s["method"].get<std::string>().c_str(), 100 * s["top1"].get<double>(), 100 * s["top5"].get<double>(),
                (long long)s["images"].get<int64_t>(), (long long)s["size"]["packed_bytes"].get<int64_t>(),
                s["size"]["bits_per_weight"].get<double>());
    if (!opt.output_dir.empty()) std::printf("wrote %s/summary.json\n", opt.output_dir.c_str());
  });
}

void add_compress(CLI::App& app) {
  auto* c = app.add_subcommand("compress", "write a k-means checkpoint as a Huffman-coded Deep Compression file");
  auto ckpt = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  c->add_option("checkpoint", *ckpt, "checkpoint of a `ttq quantize --quant kmeans` run")->required();
  c->add_option("-o,--output", *output, "the file to write")->required();
  c->callback([=] {
    const auto loaded = train::load_network(*ckpt);
    const auto entries = train::compress_network(*loaded.net);
    train::compression::write_compressed_file(*output, entries);
    int64_t coded = 0, raw = 0, coded_weights = 0;
    std::printf("%-28s %10s %10s %8s\n", "layer", "weights", "bytes", "bits/w");
    for (const auto& e : entries) {
      int64_t n = 1;
      for (int64_t d : e.shape) n *= d;
      if (e.kind != train::compression::EntryKind::shared_weights) {
        raw += int64_t(e.bytes.size());
        continue;
      }
      coded += int64_t(e.bytes.size());
      coded_weights += n;
      std::printf("%-28s %10lld %10zu %8.3f\n", e.name.c_str(), (long long)n, e.bytes.size(),
                  n ? 8.0 * double(e.bytes.size()) / double(n) : 0.0);
    }
    std::printf("coded layers: %lld weights in %lld bytes (%.3f bits/weight); other tensors fp32: %lld bytes\n",
                (long long)coded_weights, (long long)coded, coded_weights ? 8.0 * double(coded) / double(coded_weights) : 0.0,
                (long long)raw);
    std::printf("wrote %s: %lld bytes\n", output->c_str(), (long long)std::ifstream(*output, std::ios::binary | std::ios::ate).tellg());
  });
}

}  // namespace

void add_ptq_commands(CLI::App& app) {
  add_ptq(app);
  add_compress(app);
}

}  // namespace ttq::cli
