#include "train/trainer/machine_info.h"

#include <torch/version.h>

#include "common/cpu_model.h"

#include <thread>

namespace ttq::train {

nlohmann::json machine_info() {
  return {{"cpu", cpu_model_name()},
          {"cores", std::thread::hardware_concurrency()},
          {"libtorch", TORCH_VERSION},
          {"cuda", torch::cuda::is_available()}};
}

}  // namespace ttq::train
