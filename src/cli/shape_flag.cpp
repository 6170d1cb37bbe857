#include "cli/shape_flag.h"

#include <sstream>

#include "common/error.h"

namespace ttq::cli {

std::array<int64_t, 3> parse_input_shape(const std::string& s) {
  std::array<int64_t, 3> out{};
  char x1 = 0, x2 = 0;
  std::istringstream in(s);
  if (!(in >> out[0] >> x1 >> out[1] >> x2 >> out[2]) || x1 != 'x' || x2 != 'x' || !in.eof() || out[0] < 1 ||
      out[1] < 1 || out[2] < 1) {
    throw ArgumentError("--input '" + s + "' is not CxHxW", "e.g. --input 1x28x28");
  }
  return out;
}

}  // namespace ttq::cli
