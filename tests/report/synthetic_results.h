// Synthetic results directories for the report tests: run summaries shaped like
// the trainer's (model, dataset, method, top1, size, history with per-layer
// statistics, weight_histograms) for several methods, plus runtime JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ttq::report::testing {

// A fresh empty directory under the system temp dir, removed at exit (kept when TTQ_REPORT_KEEP is set).
std::string make_temp_dir(const std::string& tag);

// A run summary; quantized methods get per-layer history and weight histograms.
nlohmann::json synthetic_run(const std::string& model, const std::string& dataset, const std::string& method,
                             double top1, int epochs, double bits_per_weight);

// Writes <dir>/<name>/metrics.json.
void write_run(const std::string& dir, const std::string& name, const nlohmann::json& run);
void write_text(const std::string& path, const std::string& text);

// resnet20 / fashion-mnist: fp32, ttq (from the fp32 run), twn (better than TTQ),
// bwn, int8-ptq-per-channel-sym; a TTQ sparsity sweep (r = 0.1, 0.3, 0.5);
// resnet18 / mnist: fp32 only; a runtime parity JSON and a bench JSONL.
std::string make_results_dir(const std::string& tag);

}  // namespace ttq::report::testing
