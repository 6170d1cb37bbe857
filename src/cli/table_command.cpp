// ttq table: the results table of finished runs (their summary.json or metrics.json).
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/error.h"

namespace ttq::cli {
namespace {

nlohmann::json read_run(const std::string& path) {
  std::string file = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    file = path + "/summary.json";
    if (::stat(file.c_str(), &st) != 0) file = path + "/metrics.json";
  }
  try {
    return nlohmann::json::parse(read_file(file));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("'" + file + "' is not valid JSON", "was the run finished?");
  }
}

std::string pct(const nlohmann::json& v) {
  if (!v.is_number()) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f%%", 100.0 * v.get<double>());
  return b;
}

std::string num(const nlohmann::json& v) { return v.is_number() ? std::to_string(v.get<int64_t>()) : "-"; }

std::string fixed2(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

using Row = std::vector<std::string>;

Row table_row(const nlohmann::json& j) {
  const auto size = j.value("size", nlohmann::json::object());
  const bool quantized = j.value("method", "fp32") != "fp32";
  // Runs recorded before packed_bytes existed only have ternary_bytes.
  const auto packed = size.value("packed_bytes", size.value("ternary_bytes", nlohmann::json()));
  const auto bits = size.value("bits_per_weight", nlohmann::json(quantized ? 2.0 : 32.0));
  return {j.value("model", "?"),
          j.value("dataset", "?"),
          j.value("method", "?"),
          pct(j.value("top1", nlohmann::json())),
          pct(j.value("top5", nlohmann::json())),
          num(j.value("params", nlohmann::json())),
          num(size.value("fp32_bytes", nlohmann::json())),
          quantized ? num(packed) : "-",
          bits.is_number() ? fixed2(bits.get<double>()) : "-",
          quantized ? pct(j.value("sparsity", nlohmann::json())) : "-"};
}

// A Markdown table whose columns are as wide as their widest cell: names left, figures right.
void print_table(const std::vector<Row>& rows, size_t text_columns) {
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  const auto print_row = [&](const Row& r) {
    for (size_t c = 0; c < r.size(); ++c)
      std::printf(c < text_columns ? "| %-*s " : "| %*s ", static_cast<int>(width[c]), r[c].c_str());
    std::printf("|\n");
  };
  print_row(rows.front());
  for (size_t c = 0; c < width.size(); ++c) std::printf("|%s", std::string(width[c] + 2, '-').c_str());
  std::printf("|\n");
  for (size_t i = 1; i < rows.size(); ++i) print_row(rows[i]);
}

}  // namespace

void add_table_command(CLI::App& app) {
  auto* c = app.add_subcommand("table", "print the results table of finished runs");
  auto runs = std::make_shared<std::vector<std::string>>();
  c->add_option("runs", *runs, "run directories (or their summary.json / metrics.json)")->required();
  c->callback([runs] {
    std::vector<Row> rows = {{"model", "dataset", "method", "top-1", "top-5", "params", "fp32 bytes",
                              "packed bytes", "bits/w", "sparsity"}};
    for (const auto& r : *runs) rows.push_back(table_row(read_run(r)));  // every file read before printing
    print_table(rows, 3);
  });
}

}  // namespace ttq::cli
