// libFuzzer entry point for the model file reader (clang only; see CMakeLists.txt).
// Any input must load or throw a ttq::UserError; anything else aborts the run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "format/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    ttq::format::parse_model_file(bytes, "libfuzzer");
  } catch (const ttq::UserError&) {
  }
  return 0;  // any other exception escapes and libFuzzer reports it
}
