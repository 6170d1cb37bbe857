// Loading from a path lives apart so programs that build ModelFiles in memory
// do not pull in the file reader.
#include "format/model_file.h"
#include "ttq/runtime.h"

namespace ttq {

Model Model::load(const std::string& path, const Options& options) {
  return from_model_file(format::load_model_file(path), options);
}

}  // namespace ttq
