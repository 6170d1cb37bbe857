// Post-training quantization of an fp32 checkpoint (`ttq ptq`): INT8 (min-max
// calibration of weights and input activations) or FP16, with a per-layer SQNR table
// and the test accuracy, summarised like a training run (summary.json).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "train/ptq/int8_math.h"

namespace ttq::train {

struct PtqOptions {
  std::string checkpoint;         // an fp32 run's checkpoint (or its directory)
  std::string method = "int8";    // "int8" or "fp16"
  Int8Scheme scheme{true, true};  // weights: symmetric, per output channel
  // Quantize each quantized layer's input activations too (per tensor, calibrated).
  // int8: on by default; fp16: off by default (weights only).
  bool activations = true;
  int calib = 256;                // training images for calibration (the first N)
  int capture = 32;               // of those, images whose layer outputs give the output SQNR
  std::string data_path;          // empty: the checkpoint's
  int threads = 0;                // 0: all cores
  int batch_size = 256;
  int64_t test_limit = 0;
  bool quantize_first_conv = false, quantize_last_fc = false;
  std::string output_dir;         // where summary.json goes (empty: not written)
  std::string command;            // recorded in the summary
};

// "int8-ptq-per-channel-sym", "int8-ptq-per-tensor-asym", ..., "fp16"; with "-w" appended
// when int8 leaves the activations in fp32, "-a16" when fp16 rounds them too.
std::string ptq_method_name(const PtqOptions& o);

// Runs PTQ and returns the summary: model, dataset, method, top1, top5, epochs (0),
// seconds, size, params, sparsity, command, machine, config, and "sqnr":
// [{layer, sqnr_db (weights), output_sqnr_db (the layer's output in the quantized
// network vs fp32, over the capture images)}]. Writes output_dir/summary.json when set.
// Throws ArgumentError / FileError / FormatError / ShapeError on bad input.
nlohmann::json run_ptq(const PtqOptions& options);

// The SQNR table of a summary, as text (one line per layer).
std::string sqnr_table(const nlohmann::json& summary);

}  // namespace ttq::train
