// The rows of the method table (docs/DESIGN.md §3) and which row a run belongs to.
#pragma once

#include <string>
#include <vector>

#include "report/results.h"

namespace ttq::report {

struct MethodCategory {
  std::string key;    // "fp32", "ttq", "twn", "binary", "dorefa", "int8-ptq", "int8-qat", "fp16", "deep-compression"
  std::string label;  // as the table shows it
};

// The table's rows, in order (fp32 first, then TTQ, then the baselines).
const std::vector<MethodCategory>& method_categories();

// The category key of a run's "method" ("bwn" -> "binary", "int8-ptq-per-channel-sym"
// -> "int8-ptq", "prune"/"kmeans" -> "deep-compression"); "other" if unknown.
std::string method_category(const std::string& method);

// What distinguishes runs of one method: "t = 0.05", "r = 0.3", "W2A32", "per-channel-sym", ...
std::string method_variant(const Run& run);

// A TTQ run of the sparsity sweep (Run::sweep_point).
bool is_sweep_run(const Run& run);

}  // namespace ttq::report
