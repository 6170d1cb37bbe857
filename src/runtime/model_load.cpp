// Loading from a path lives apart so programs that build ModelFiles in memory
// do not pull in the file reader.
#include "format/model_file.h"
#include "runtime/model_impl.h"
#include "ttq/runtime.h"

namespace ttq {

Model Model::load(const std::string& path, const Options& options) {
  format::ModelFile file = format::load_model_file(path);
  return runtime::make_model(file, options, kernels::best_gemm_u8s8(), kernels::best_gemm_f32(), &file);
}

}  // namespace ttq
