// ttq table: the results table of finished runs (their summary.json or metrics.json).
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <cstdio>
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

}  // namespace

void add_table_command(CLI::App& app) {
  auto* c = app.add_subcommand("table", "print the results table of finished runs");
  auto runs = std::make_shared<std::vector<std::string>>();
  c->add_option("runs", *runs, "run directories (or their summary.json / metrics.json)")->required();
  c->callback([runs] {
    std::printf("| %-10s | %-13s | %-8s | %7s | %7s | %9s | %10s | %12s | %6s | %8s |\n", "model", "dataset",
                "method", "top-1", "top-5", "params", "fp32 bytes", "packed bytes", "bits/w", "sparsity");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------", "---------------", "----------", "---------",
                "---------", "-----------", "------------", "--------------", "--------", "----------");
    for (const auto& r : *runs) {
      const auto j = read_run(r);
      const auto size = j.value("size", nlohmann::json::object());
      const bool quantized = j.value("method", "fp32") != "fp32";
      // Runs recorded before packed_bytes existed only have ternary_bytes.
      const auto packed = size.value("packed_bytes", size.value("ternary_bytes", nlohmann::json()));
      const auto bits = size.value("bits_per_weight", nlohmann::json(quantized ? 2.0 : 32.0));
      std::printf("| %-10s | %-13s | %-8s | %7s | %7s | %9s | %10s | %12s | %6.2f | %8s |\n",
                  j.value("model", "?").c_str(), j.value("dataset", "?").c_str(), j.value("method", "?").c_str(),
                  pct(j.value("top1", nlohmann::json())).c_str(), pct(j.value("top5", nlohmann::json())).c_str(),
                  num(j.value("params", nlohmann::json())).c_str(),
                  num(size.value("fp32_bytes", nlohmann::json())).c_str(),
                  quantized ? num(packed).c_str() : "-", bits.get<double>(),
                  quantized ? pct(j.value("sparsity", nlohmann::json())).c_str() : "-");
    }
  });
}

}  // namespace ttq::cli
