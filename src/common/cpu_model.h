// The CPU's model name (from /proc/cpuinfo), recorded next to every measured figure.
#pragma once

#include <string>

namespace ttq {

// "Intel(R) Xeon(R) ..." or "unknown" where /proc/cpuinfo has no model name.
const std::string& cpu_model_name();

}  // namespace ttq
