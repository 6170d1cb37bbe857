// What a ttq::Model holds. Internal: tests use make_model() to pick kernels explicitly.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "format/model_file.h"
#include "runtime/compile_plan.h"
#include "runtime/execute_plan.h"
#include "runtime/thread_pool.h"
#include "ttq/runtime.h"

namespace ttq {

struct Model::Impl {
  Options options;
  runtime::Plan plan;
  std::unique_ptr<runtime::ThreadPool> pool;
  std::vector<float> mean, std;
  std::array<int, 3> input_shape{};
  int num_classes = 0;
  // Activation arena: grows only when a larger batch than ever before runs.
  std::unique_ptr<uint8_t[]> arena_storage;
  size_t arena_capacity = 0;
  int arena_growths = 0;
  runtime::Workspace ws;  // layer-parallel runs (every worker's scratch)
  // Image-parallel runs: one per worker, each with a pool that runs inline on that worker.
  struct Lane {
    std::unique_ptr<runtime::ThreadPool> pool;
    runtime::Workspace ws;
  };
  std::vector<Lane> lanes;
  std::mutex run_mutex;  // one inference at a time per model (the arena is shared)
  std::string kernel_names;

  void run(const runtime::InputSource& src, int batch, float* logits);
};

namespace runtime {
// Builds a model with explicit kernels (tests compare every ISA against the scalar one).
// consumable: the same file, when the caller lets the compiler free its weights as it packs them.
// indirect_convs = false: every int8 convolution through an im2col copy (tests compare the two).
Model make_model(const format::ModelFile& file, const Options& options, const kernels::GemmU8S8Kernel& kernel,
                 const kernels::GemmF32Kernel& kernel_f32, format::ModelFile* consumable = nullptr,
                 bool indirect_convs = true);
}  // namespace runtime

}  // namespace ttq
