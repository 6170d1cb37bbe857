#include "synthetic_results.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace ttq::report::testing {
namespace fs = std::filesystem;

namespace {

// Temporary directories go at exit unless TTQ_REPORT_KEEP is set (to look at them).
std::vector<fs::path>& temp_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}

void remove_temp_dirs() {
  if (std::getenv("TTQ_REPORT_KEEP")) return;
  std::error_code ec;
  for (const auto& d : temp_dirs()) fs::remove_all(d, ec);
}

}  // namespace

std::string make_temp_dir(const std::string& tag) {
  static int counter = 0;
  if (temp_dirs().empty()) std::atexit(remove_temp_dirs);
  const fs::path p = fs::temp_directory_path() /
                     ("ttq-report-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  temp_dirs().push_back(p);
  return p.string();
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

void write_run(const std::string& dir, const std::string& name, const nlohmann::json& run) {
  write_text(dir + "/" + name + "/metrics.json", run.dump(2));
}

nlohmann::json synthetic_run(const std::string& model, const std::string& dataset, const std::string& method,
                             double top1, int epochs, double bits_per_weight) {
  const bool quantized = method != "fp32";
  const int64_t params = 269434, quantized_params = quantized ? 267264 : 0;
  const int64_t packed = quantized ? int64_t(double(quantized_params) * bits_per_weight / 8) + 4 * (params - quantized_params)
                                   : 4 * params;
  nlohmann::json run = {
      {"model", model},
      {"dataset", dataset},
      {"method", method},
      {"top1", top1},
      {"top5", 0.999},
      {"epochs", epochs},
      {"params", params},
      {"seconds", 12.5},
      {"command", "ttq " + std::string(quantized ? "quantize" : "train") + " --model " + model + " --quant " + method +
                      " --output-dir runs/" + dataset + "-" + model + "-" + method},
      {"config",
       {{"model", model},
        {"dataset", dataset},
        {"init_checkpoint", quantized && epochs > 0 ? "runs/" + dataset + "-" + model + "-fp32" : ""},
        {"quant", {{"method", quantized ? method : "none"}, {"threshold_mode", "t"}, {"t", 0.05}, {"sparsity", 0.5},
                   {"weight_bits", 2}, {"act_bits", 0}}}}},
      {"size",
       {{"params", params}, {"quantized_params", quantized_params}, {"fp32_bytes", 4 * params}, {"packed_bytes", packed},
        {"bits_per_weight", bits_per_weight}, {"sparsity", quantized ? 0.3 : 0.0}}},
  };
  if (quantized) run["sparsity"] = 0.3;
  nlohmann::json history = nlohmann::json::array();
  for (int e = 1; e <= epochs; ++e) {
    nlohmann::json h = {{"epoch", e}, {"lr", 0.1}, {"train_loss", 1.0 / e}, {"train_acc", top1 - 0.01 * (epochs - e)},
                        {"test_loss", 0.5 / e}, {"top1", top1 - 0.01 * (epochs - e)}, {"top5", 0.99}};
    if (quantized) {
      nlohmann::json layers = nlohmann::json::array();
      for (int l = 0; l < 7; ++l)
        layers.push_back({{"name", "layer" + std::to_string(l / 2 + 1) + "." + std::to_string(l % 2) + ".conv1"},
                          {"sparsity", 0.2 + 0.05 * l}, {"wp", 1.0 - 0.05 * e + 0.01 * l},
                          {"wn", 1.0 - 0.04 * e - 0.01 * l}, {"delta", 0.05}, {"init", "one"}});
      h["layers"] = layers;
    }
    history.push_back(h);
  }
  run["history"] = history;
  nlohmann::json hists = nlohmann::json::array();
  for (int l = 0; l < 4; ++l) {
    nlohmann::json entry = {{"name", "layer" + std::to_string(l + 1) + ".0.conv1"},
                            {"quantized", quantized},
                            {"latent", {{"lo", -0.4}, {"hi", 0.4}, {"counts", {1, 4, 10, 30, 60, 30, 10, 4, 1}}}}};
    if (quantized) entry["effective"] = {{"values", {-0.9, 0.0, 1.1}}, {"counts", {50, 50, 50}}};
    hists.push_back(entry);
  }
  run["weight_histograms"] = hists;
  return run;
}

std::string make_results_dir(const std::string& tag) {
  const std::string dir = make_temp_dir(tag);
  write_run(dir, "fashion-resnet20-fp32", synthetic_run("resnet20", "fashion-mnist", "fp32", 0.9335, 4, 32));
  write_run(dir, "fashion-resnet20-ttq", synthetic_run("resnet20", "fashion-mnist", "ttq", 0.9296, 3, 2));
  write_run(dir, "fashion-resnet20-twn", synthetic_run("resnet20", "fashion-mnist", "twn", 0.9310, 3, 2));
  write_run(dir, "fashion-resnet20-bwn", synthetic_run("resnet20", "fashion-mnist", "bwn", 0.9100, 3, 1));
  auto ptq = synthetic_run("resnet20", "fashion-mnist", "int8-ptq-per-channel-sym", 0.9330, 0, 8);
  ptq["sqnr"] = {{{"layer", "layer1.0.conv1"}, {"sqnr_db", 38.5}}, {{"layer", "layer1.0.conv2"}, {"sqnr_db", 40.1}}};
  write_run(dir, "fashion-resnet20-ptq", ptq);
  for (double r : {0.1, 0.3, 0.5}) {
    auto run = synthetic_run("resnet20", "fashion-mnist", "ttq", 0.92 + r / 100, 2, 2);
    run["config"]["quant"]["threshold_mode"] = "sparsity";
    run["config"]["quant"]["sparsity"] = r;
    write_run(dir, "fashion-resnet20-sweep-" + std::to_string(int(r * 10)), run);
  }
  write_run(dir, "mnist-resnet18-fp32", synthetic_run("resnet18", "mnist", "fp32", 0.9933, 1, 32));
  write_text(dir + "/fashion-resnet20-runtime/parity.json",
             R"({"agreement": 0.9963, "top1": 0.929, "kernel": "gemm_u8s8_avx2", "files": {"ternary2": 100176}})");
  write_text(dir + "/fashion-resnet20-runtime/bench.jsonl",
             "{\"batch\":1,\"runtime_ms\":0.35,\"libtorch_ms\":1.48}\n{\"batch\":64,\"runtime_ms\":22.9,\"libtorch_ms\":54.8}\n");
  return dir;
}

}  // namespace ttq::report::testing
