#include "train/trainer/machine_info.h"

#include <torch/version.h>

#include <fstream>
#include <thread>

namespace ttq::train {

nlohmann::json machine_info() {
  std::string cpu = "unknown";
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  return {{"cpu", cpu},
          {"cores", std::thread::hardware_concurrency()},
          {"libtorch", TORCH_VERSION},
          {"cuda", torch::cuda::is_available()}};
}

}  // namespace ttq::train
