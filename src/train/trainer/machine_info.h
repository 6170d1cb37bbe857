// What machine a figure was measured on: recorded with every result.
#pragma once

#include <nlohmann/json.hpp>

namespace ttq::train {

// {"cpu": model name, "cores": logical CPUs, "libtorch": version, "cuda": available}
nlohmann::json machine_info();

}  // namespace ttq::train
