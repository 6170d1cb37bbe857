// --amp bf16: LibTorch's autocast for one forward pass (CPU or CUDA), in bfloat16. Weights,
// gradients and the optimizer stay fp32; bf16 needs no loss scaling.
#pragma once

#include <c10/core/Device.h>

namespace ttq::train::dist {

class AutocastScope {
 public:
  AutocastScope(bool enabled, c10::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  bool cuda_;
};

}  // namespace ttq::train::dist
