#include "runtime/ternary_levels.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::runtime {

TernaryLevels ternary_levels(float wp, float wn, const std::string& tensor) {
  if (!(std::isfinite(wp) && std::isfinite(wn) && wp > 0.f && wn > 0.f)) {
    throw FormatError("ternary tensor '" + tensor + "' has invalid scales wp=" + std::to_string(wp) + " wn=" + std::to_string(wn),
                      "Wp and Wn must be finite and positive; re-export the model");
  }
  constexpr int kTop = kernels::kMaxWeightMagnitude;
  const float big = std::max(wp, wn);
  TernaryLevels l;
  // The smaller scale rounds to the nearest integer step; at least 1 so its sign survives.
  const auto level = [&](float w) { return std::clamp(static_cast<int>(std::lround(kTop * (w / big))), 1, kTop); };
  l.p = level(wp);
  l.n = level(wn);
  l.unit = big / kTop;
  return l;
}

}  // namespace ttq::runtime
