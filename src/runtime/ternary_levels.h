// How a ternary layer's {-wn, 0, +wp} becomes small integers for the u8 x s8
// kernels: codes decode to {-n, 0, +p}, integers of at most kMaxWeightMagnitude (32)
// whose ratio is the closest such fraction to wp/wn, and one float per layer (the
// weight unit) brings them back: p * unit ~= wp, n * unit ~= wn, exactly for the larger.
#pragma once

#include <cstdint>
#include <string>

namespace ttq::runtime {

struct TernaryLevels {
  int p = 0, n = 0;    // integer weights for codes +1 and -1 (1..kMaxWeightMagnitude)
  float unit = 0.f;    // value of integer weight 1: max(wp, wn) / max(p, n)
};

// Throws FormatError (naming tensor) unless wp and wn are finite and > 0.
TernaryLevels ternary_levels(float wp, float wn, const std::string& tensor);

}  // namespace ttq::runtime
