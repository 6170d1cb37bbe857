#include "runtime/ternary_levels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace ttq::runtime {

TernaryLevels ternary_levels(float wp, float wn, int max_level, const std::string& tensor) {
  if (!(std::isfinite(wp) && std::isfinite(wn) && wp > 0.f && wn > 0.f)) {
    throw FormatError("ternary tensor '" + tensor + "' has invalid scales wp=" + std::to_string(wp) + " wn=" + std::to_string(wn),
                      "Wp and Wn must be finite and positive; re-export the model");
  }
  // The fraction small/big closest to the scales' ratio among those with a denominator of
  // at most max_level (ties: the smaller denominator). The numerator is at
  // least 1, so the smaller scale's sign survives.
  const double big = std::max(wp, wn), ratio = std::min(wp, wn) / big;
  int top = 1, low = 1;
  double best = std::numeric_limits<double>::infinity();
  for (int b = 1; b <= max_level; ++b) {
    const int a = std::clamp(static_cast<int>(std::lround(ratio * b)), 1, b);
    const double err = std::fabs(static_cast<double>(a) / b - ratio);
    if (err < best) {
      best = err;
      top = b;
      low = a;
    }
  }
  TernaryLevels l;
  l.p = wp >= wn ? top : low;
  l.n = wp >= wn ? low : top;
  l.unit = static_cast<float>(big / top);
  return l;
}

void add_level_bias_correction(const int8_t* b_kn, int K, int N, double dp, double dn, const std::vector<double>& k_mean,
                               const float* scale, float* bias) {
  for (int o = 0; o < N; ++o) {
    double shift = 0;
    for (int k = 0; k < K; ++k) {
      const int8_t w = b_kn[static_cast<size_t>(k) * N + o];
      if (w > 0) shift += dp * k_mean[k];
      if (w < 0) shift -= dn * k_mean[k];
    }
    bias[o] = static_cast<float>(bias[o] + shift * scale[o]);
  }
}

double tap_inside_share(int k, int in, int out, int stride, int pad) {
  int inside = 0;
  for (int o = 0; o < out; ++o) {
    const int at = o * stride - pad + k;
    inside += at >= 0 && at < in;
  }
  return out > 0 ? static_cast<double>(inside) / out : 0.0;
}

}  // namespace ttq::runtime
