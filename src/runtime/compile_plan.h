// Turns a model file's graph into an execution plan: shapes, BN folding,
// epilogue fusion (conv -> bn* -> [add] -> [relu]), per-value u8/f32 storage,
// weight packing, and liveness-based arena offsets.
#pragma once

#include "format/model_file.h"
#include "kernels/gemm_u8s8.h"
#include "runtime/plan.h"

namespace ttq::runtime {

struct CompileOptions {
  bool fp32_reference = false;
  const kernels::GemmU8S8Kernel* kernel = nullptr;     // int8 layers (fast path)
  int max_weight_level = 0;  // bound of the ternary levels; 0: kernel->max_weight
  const kernels::GemmF32Kernel* kernel_f32 = nullptr;  // fp32 layers
  int gemm_rows = 192;  // most rows per GEMM task (sizes the per-worker scratch)
  bool indirect_convs = true;  // int8 convolutions read in place (run_indirect) where they can, else im2col
  // The file being compiled, when the caller no longer needs it: each layer's weight
  // data is freed as soon as it is packed, so decoded and packed weights of the whole
  // model never sit in memory together (lower peak RSS at load).
  format::ModelFile* release_weights = nullptr;
};

// Throws FormatError / ShapeError naming the node, tensor or activation at fault.
Plan compile_plan(const format::ModelFile& file, const CompileOptions& options);

}  // namespace ttq::runtime
