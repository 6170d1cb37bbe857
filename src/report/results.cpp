#include "report/results.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"

namespace ttq::report {
namespace fs = std::filesystem;
namespace {

const nlohmann::json kNull;
const nlohmann::json kEmptyArray = nlohmann::json::array();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string string_or_empty(const nlohmann::json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// nlohmann's messages span one line already; keep only the part after "] ".
std::string short_json_error(const nlohmann::json::exception& e) {
  std::string what = e.what();
  const auto pos = what.find("] ");
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

nlohmann::json parse_json(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("'" + path + "' is not valid JSON: " + short_json_error(e),
                      "re-record the run with scripts/record-result.sh or remove the file");
  }
}

}  // namespace

double number_or_nan(const nlohmann::json& object, const char* key) {
  const auto& v = member(object, key);
  return v.is_number() ? v.get<double>() : kNaN;
}

std::string Run::model() const { return string_or_empty(j, "model"); }
std::string Run::dataset() const { return string_or_empty(j, "dataset"); }
std::string Run::method() const { return string_or_empty(j, "method"); }
double Run::top1() const { return number_or_nan(j, "top1"); }
double Run::top5() const { return number_or_nan(j, "top5"); }
double Run::epochs() const { return number_or_nan(j, "epochs"); }
double Run::params() const {
  const double p = number_or_nan(j, "params");
  return std::isnan(p) ? number_or_nan(member(j, "size"), "params") : p;
}
double Run::fp32_bytes() const { return number_or_nan(member(j, "size"), "fp32_bytes"); }
std::string Run::command() const { return string_or_empty(j, "command"); }
const nlohmann::json& Run::history() const {
  const auto& h = member(j, "history");
  return h.is_array() ? h : kEmptyArray;
}
std::string Run::threshold_mode() const { return string_or_empty(member(member(j, "config"), "quant"), "threshold_mode"); }
double Run::target_sparsity() const { return number_or_nan(member(member(j, "config"), "quant"), "sparsity"); }
std::string Run::init_checkpoint() const { return string_or_empty(member(j, "config"), "init_checkpoint"); }

double Run::test_images() const {
  const double limit = number_or_nan(member(j, "config"), "test_limit");
  if (limit > 0) return limit;
  const std::string d = dataset();
  for (const char* known : {"mnist", "fashion-mnist", "cifar10", "cifar100", "tiny-imagenet"})
    if (d == known) return 10000;
  return std::nan("");
}

double Run::sparsity() const {
  const double s = number_or_nan(j, "sparsity");
  return std::isnan(s) ? number_or_nan(member(j, "size"), "sparsity") : s;
}

double Run::bits_per_weight() const {
  const double b = number_or_nan(member(j, "size"), "bits_per_weight");
  if (!std::isnan(b)) return b;
  const std::string m = method();
  if (m == "fp32") return 32;
  if (m == "fp16") return 16;
  if (m == "ttq" || m == "twn") return 2;  // runs recorded before bits_per_weight existed
  return kNaN;
}

double Run::packed_bytes() const {
  const auto& size = member(j, "size");
  double b = number_or_nan(size, "packed_bytes");
  if (std::isnan(b) && method() != "fp32") b = number_or_nan(size, "ternary_bytes");
  if (std::isnan(b) && method() == "fp32") b = fp32_bytes();
  return b;
}

Run load_run(const std::string& metrics_path, const std::string& name) {
  Run run;
  run.name = name;
  run.path = metrics_path;
  run.j = parse_json(read_file(metrics_path), metrics_path);
  if (!run.j.is_object())
    throw FormatError("'" + metrics_path + "' is not a run summary (a JSON object expected)",
                      "results/<name>/metrics.json must be a trainer summary.json");
  for (const char* key : {"model", "dataset", "method"})
    if (!member(run.j, key).is_string())
      throw FormatError("'" + metrics_path + "' has no \"" + key + "\" string",
                        "results/<name>/metrics.json must be a trainer summary.json");
  return run;
}

namespace {
bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void mark_sweep_points(std::vector<Run>& runs) {
  const auto sparsity_mode = [](const Run& r) { return r.method() == "ttq" && r.threshold_mode() == "sparsity"; };
  for (Run& a : runs) {
    if (!sparsity_mode(a)) continue;
    for (const Run& b : runs) {
      if (&a != &b && sparsity_mode(b) && a.model() == b.model() && a.dataset() == b.dataset() &&
          same_number(a.epochs(), b.epochs()) && !same_number(a.target_sparsity(), b.target_sparsity())) {
        a.sweep_point = true;
        break;
      }
    }
  }
}
}  // namespace

Results load_results(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw FileError("results directory '" + dir + "' does not exist or is not a directory",
                    "pass --results DIR, the folder that holds <name>/metrics.json for each run");
  Results r;
  r.dir = dir;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw FileError("cannot list results directory '" + dir + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) {
      r.skipped.push_back({dir, "cannot list: " + ec.message()});
      break;
    }
    if (it.depth() > 3) it.disable_recursion_pending();
    if (!it->is_regular_file(ec)) continue;
    const std::string ext = it->path().extension().string();
    if (ext == ".json" || ext == ".jsonl") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    const std::string rel = fs::relative(p, dir, ec).generic_string();
    try {
      if (p.filename() == "metrics.json") {
        r.runs.push_back(load_run(p.string(), p.parent_path().filename().string()));
        continue;
      }
      ExtraFile extra;
      extra.name = rel;
      const std::string text = read_file(p.string());
      if (p.extension() == ".jsonl") {
        std::istringstream lines(text);
        std::string line;
        int n = 0;
        while (std::getline(lines, line)) {
          ++n;
          if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
          extra.records.push_back(parse_json(line, p.string() + " line " + std::to_string(n)));
        }
      } else {
        extra.records.push_back(parse_json(text, p.string()));
      }
      r.extras.push_back(std::move(extra));
    } catch (const UserError& e) {
      r.skipped.push_back({p.string(), e.what()});
    }
  }
  mark_sweep_points(r.runs);
  return r;
}

}  // namespace ttq::report
