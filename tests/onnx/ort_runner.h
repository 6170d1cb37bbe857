// Runs an ONNX model in ONNX Runtime through bench/peers/ort_run.js (Node.js), for the
// ONNX export tests. Paths come from the build (TTQ_NODE, TTQ_ORT_RUN_JS).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ttq::onnx_test {

// input: NCHW floats of dims; returns the model's float output. optimized_model: where ORT
// saves the graph it runs after its optimizations (empty: not saved). Throws
// std::runtime_error with ort_run.js's message when ORT fails.
std::vector<float> run_in_ort(const std::string& onnx_path, const std::vector<float>& input,
                              const std::array<int64_t, 4>& dims, const std::string& optimized_model = "");

// A fresh directory under the system's temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ttq::onnx_test
