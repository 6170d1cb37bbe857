// The runs under a results directory: every <dir>/<name>/metrics.json is a run's
// summary (written by the trainer, copied by scripts/record-result.sh). Other JSON
// and JSON-lines files (runtime parity, bench, size and memory) are kept as extras.
// A file that cannot be read or parsed is listed as skipped with the reason:
// one corrupt run never stops the report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ttq::report {

struct Run {
  std::string name;  // the directory under results/ ("fashion-resnet20-ttq")
  std::string path;  // its metrics.json
  nlohmann::json j;  // the summary
  // One point of a sparsity sweep: a TTQ run in threshold mode "sparsity" with a sibling
  // of the same model, data set and epochs at another r (set by load_results). A lone
  // sparsity-mode run (say r = 0.5 with the full recipe) is an ordinary TTQ row.
  bool sweep_point = false;

  // Fields with their fallbacks for older runs; NaN / "" when absent.
  std::string model() const;
  std::string dataset() const;
  std::string method() const;  // "fp32", "ttq", "twn", ...
  double top1() const;          // fraction
  double top5() const;
  double epochs() const;
  double bits_per_weight() const;  // size.bits_per_weight; 32 for fp32, 2 for older ternary runs
  double packed_bytes() const;     // size.packed_bytes, else size.ternary_bytes (quantized runs), fp32 bytes (fp32)
  double fp32_bytes() const;
  double params() const;
  double sparsity() const;
  std::string command() const;
  std::string threshold_mode() const;  // config.quant.threshold_mode ("" when absent)
  double target_sparsity() const;      // config.quant.sparsity
  std::string init_checkpoint() const;  // config.init_checkpoint
  // Images top1 was measured on: config.test_limit when set, else the data set's test
  // split (10,000 for MNIST, Fashion-MNIST, CIFAR-10/100 and Tiny ImageNet); NaN if unknown.
  double test_images() const;
  const nlohmann::json& history() const;  // [] when absent
};

// A JSON / JSON-lines file under results/ that is not a run summary.
struct ExtraFile {
  std::string name;  // path relative to the results directory
  std::vector<nlohmann::json> records;  // one for .json, one per line for .jsonl
};

struct Skipped {
  std::string path;
  std::string reason;  // one line
};

struct Results {
  std::string dir;
  std::vector<Run> runs;  // sorted by name
  std::vector<ExtraFile> extras;
  std::vector<Skipped> skipped;
};

// Reads one run summary. Throws FileError (cannot read) or FormatError (not JSON,
// not an object, no model/dataset/method) with a message naming the file.
Run load_run(const std::string& metrics_path, const std::string& name);

// Reads a whole results directory. Throws FileError when `dir` is not a readable
// directory; anything inside that cannot be used goes to Results::skipped.
Results load_results(const std::string& dir);

// A JSON number field, NaN when missing or not a number.
double number_or_nan(const nlohmann::json& object, const char* key);

}  // namespace ttq::report
