#include "ort_runner.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/atomic_file.h"

namespace ttq::onnx_test {
namespace {

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ttq-onnx-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<float> run_in_ort(const std::string& onnx_path, const std::vector<float>& input,
                              const std::array<int64_t, 4>& dims, const std::string& optimized_model) {
  TempDir dir;
  const std::string in = dir.file("input.f32"), out = dir.file("logits.f32"), err = dir.file("stderr.txt");
  {
    std::ofstream f(in, std::ios::binary);
    f.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size() * sizeof(float)));
  }
  std::string cmd = quoted(TTQ_NODE) + " " + quoted(TTQ_ORT_RUN_JS) + " " + quoted(onnx_path) + " " + quoted(in);
  for (int64_t d : dims) cmd += " " + std::to_string(d);
  cmd += " " + quoted(out);
  if (!optimized_model.empty()) cmd += " --optimized-model " + quoted(optimized_model);
  cmd += " 2>" + quoted(err);
  if (std::system(cmd.c_str()) != 0) {
    std::string message;
    try {
      message = read_file(err);
    } catch (...) {
    }
    throw std::runtime_error("ONNX Runtime failed on " + onnx_path + ": " + message);
  }
  const std::string bytes = read_file(out);
  std::vector<float> y(bytes.size() / sizeof(float));
  std::copy(bytes.data(), bytes.data() + y.size() * sizeof(float), reinterpret_cast<char*>(y.data()));
  return y;
}

}  // namespace ttq::onnx_test
