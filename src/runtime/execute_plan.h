// Runs a compiled plan on one batch. Everything it writes lives in the
// workspace (arena + per-worker scratch) sized beforehand: running allocates nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/plan.h"
#include "runtime/thread_pool.h"

namespace ttq::runtime {

struct Workspace {
  uint8_t* arena = nullptr;  // >= plan.arena_bytes_per_image * batch bytes, 64-byte aligned
  int batch = 0;
  std::vector<std::vector<uint8_t>> scratch_u8;  // one per worker, plan.scratch_u8 bytes
  std::vector<std::vector<float>> scratch_f32;   // one per worker, plan.scratch_f32 floats
  std::vector<uint8_t> zeros;                    // plan.zero_run zero bytes (padding taps)
  // When set (Model::profile), each step's wall time in seconds is added to
  // step_seconds[step index]; plan.steps.size() entries.
  double* step_seconds = nullptr;
};

// Exactly one of nchw (normalized floats) or pixels_nhwc (0..255, normalized with mean/std).
struct InputSource {
  const float* nchw = nullptr;
  const uint8_t* pixels_nhwc = nullptr;
  const float* mean = nullptr;
  const float* std = nullptr;
};

// Writes batch * (output C*H*W) logits in NCHW order.
void execute_plan(const Plan& plan, ThreadPool& pool, Workspace& ws, const InputSource& input, float* logits);

}  // namespace ttq::runtime
