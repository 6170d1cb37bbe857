#include "train/distributed/autocast_scope.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace ttq::train::dist {

// LibTorch 2.4 moved to per-device-type calls; 1.13 .. 2.3 have the cpu/gpu-named ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define TTQ_AUTOCAST_PER_DEVICE 1
#endif

AutocastScope::AutocastScope(bool enabled, c10::Device device) : enabled_(enabled), cuda_(device.is_cuda()) {
  if (!enabled_) return;
#ifdef TTQ_AUTOCAST_PER_DEVICE
  const auto type = cuda_ ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, true);
#else
  if (cuda_) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
#endif
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#ifdef TTQ_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_enabled(cuda_ ? c10::DeviceType::CUDA : c10::DeviceType::CPU, false);
#else
  if (cuda_) {
    at::autocast::set_enabled(false);
  } else {
    at::autocast::set_cpu_enabled(false);
  }
#endif
}

}  // namespace ttq::train::dist
