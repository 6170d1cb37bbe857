// Shared helpers for the kernel tests: random data and kernel selection.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/gemm_u8s8.h"

namespace ttq::kernels::testing {

inline std::vector<uint8_t> random_u8(std::mt19937& rng, size_t count) {
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> v(count);
  for (auto& x : v) x = static_cast<uint8_t>(d(rng));
  return v;
}

inline std::vector<int8_t> random_s8(std::mt19937& rng, size_t count, int magnitude) {
  std::uniform_int_distribution<int> d(-magnitude, magnitude);
  std::vector<int8_t> v(count);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

inline std::vector<float> random_f32(std::mt19937& rng, size_t count, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

}  // namespace ttq::kernels::testing
