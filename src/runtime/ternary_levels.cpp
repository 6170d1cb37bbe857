#include "runtime/ternary_levels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace ttq::runtime {

TernaryLevels ternary_levels(float wp, float wn, int max_level, const std::string& tensor) {
  if (!(std::isfinite(wp) && std::isfinite(wn) && wp > 0.f && wn > 0.f)) {
    throw FormatError("ternary tensor '" + tensor + "' has invalid scales wp=" + std::to_string(wp) + " wn=" + std::to_string(wn),
                      "Wp and Wn must be finite and positive; re-export the model");
  }
  assert(max_level >= 1);
  const double big = std::max(wp, wn), ratio = std::min(wp, wn) / big;
  // Error diffusion between floor(t) and ceil(t) misses by f(1-f) / top^2 per weight of the
  // smaller sign on average (squared, in units of the larger scale; f: the fraction of t),
  // and with alternating signs, so the errors mostly cancel in a sum. A t below 1 would be
  // taken as 1, a systematic error that does not cancel: only when no top avoids it.
  // Ties go to the larger top (finer units).
  int top = max_level;
  double best = std::numeric_limits<double>::infinity();
  for (int b = max_level; b >= 1 && ratio * b >= 1.0; --b) {
    const double t = ratio * b, f = t - std::floor(t), err = f * (1.0 - f) / (double(b) * b);
    if (err < best) {
      best = err;
      top = b;
    }
  }
  TernaryLevels l;
  l.wp = wp;
  l.wn = wn;
  l.unit = static_cast<float>(big / top);
  l.p = wp >= wn ? top : ratio * top;
  l.n = wp >= wn ? ratio * top : top;
  return l;
}

namespace {
// The integer weight magnitudes error diffusion picks from for a target t: [lo, hi].
struct LevelPair {
  int lo, hi;
  explicit LevelPair(double t)
      : lo(std::max(1, static_cast<int>(std::floor(t)))), hi(std::max(1, static_cast<int>(std::ceil(t)))) {}
  int pick(double want) const { return std::clamp(static_cast<int>(std::floor(want + 0.5)), lo, hi); }
};
}  // namespace

void decode_ternary_levels(int8_t* b_kn, int K, int N, const TernaryLevels& levels, const std::vector<int>& k_order) {
  assert(static_cast<int>(k_order.size()) == K);
  const LevelPair plus(levels.p), minus(levels.n);
  for (int o = 0; o < N; ++o) {
    double carry_p = 0, carry_n = 0;  // target minus weight, summed over the column so far
    for (const int k : k_order) {
      int8_t& w = b_kn[static_cast<size_t>(k) * N + o];
      assert(w >= -1 && w <= 1);
      if (w > 0) {
        const double want = levels.p + carry_p;
        const int level = plus.pick(want);
        carry_p = want - level;
        w = static_cast<int8_t>(level);
      } else if (w < 0) {
        const double want = levels.n + carry_n;
        const int level = minus.pick(want);
        carry_n = want - level;
        w = static_cast<int8_t>(-level);
      }
    }
  }
}

void add_level_bias_correction(const int8_t* b_kn, int K, int N, const TernaryLevels& levels,
                               const std::vector<double>& k_mean, const float* scale, float* bias) {
  const double unit = levels.unit, wp = levels.wp, wn = levels.wn;
  for (int o = 0; o < N; ++o) {
    double shift = 0;
    for (int k = 0; k < K; ++k) {
      const int8_t w = b_kn[static_cast<size_t>(k) * N + o];
      if (w > 0) shift += (wp - w * unit) * k_mean[k];
      if (w < 0) shift += (-wn - w * unit) * k_mean[k];
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
