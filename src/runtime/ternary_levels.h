// How a ternary layer's {-wn, 0, +wp} becomes small integers for the u8 x s8
// kernels (docs/RUNTIME.md "Ternary layers and scales"). One float per layer, the weight
// unit, brings integers back to weights: the larger of wp, wn is exactly `top` units
// (top <= max_level, the kernel's limit: 127, or 32 on AVX2), the smaller is a real number
// of units t. Each weight of the smaller sign is floor(t) or ceil(t), chosen per output
// column by error diffusion along k, so a column's weights of that sign average t: the
// ratio wp/wn is kept on average instead of rounded once for the whole layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::runtime {

struct TernaryLevels {
  float wp = 0.f, wn = 0.f;  // the file's scales
  float unit = 0.f;          // value of integer weight 1: max(wp, wn) / top
  double p = 0, n = 0;       // target integer weights of codes +1 and -1; the larger is top
};

// Throws FormatError (naming tensor) unless wp and wn are finite and > 0. max_level >= 1.
// top minimises the mean squared error per weight of the smaller sign, f(1-f) / top^2 with
// f the fraction of t (an exact fraction gives 0), among the tops with t >= 1; only where
// there is none (wn/wp below 1/max_level or above max_level) is t < 1, decoded as 1: the
// sign survives, with a systematic error.
TernaryLevels ternary_levels(float wp, float wn, int max_level, const std::string& tensor);

// b_kn: one group's K x N codes {-1, 0, +1}, replaced in place by integer weights: +1 ->
// floor(p) or ceil(p), -1 -> -(floor(n) or ceil(n)), each at least 1. Per column, walking
// the rows in `k_order` (a permutation of 0..K-1), a weight takes the level nearest its
// target plus the error carried so far, so the running error stays within 1/2 unit: rows
// next to each other in k_order cancel each other's errors, so list the rows whose inputs
// move together (a conv's taps of one channel) next to each other.
void decode_ternary_levels(int8_t* b_kn, int K, int N, const TernaryLevels& levels, const std::vector<int>& k_order);

// Bias correction for what the integer weights miss (docs/RUNTIME.md): a +1 weight w
// counts w * unit instead of wp, a -1 weight w * unit instead of -wn. On inputs with a
// non-zero mean (every post-ReLU input) output o is then off by about
// sum_k (true_k - w_k * unit) * E[x_k]. b_kn: one group's K x N integer weights (from
// decode_ternary_levels); k_mean[k]: the expected input at row k. Adds scale[o] times that
// to bias[o] (scale: the factor the raw sum gets before the bias, e.g. a folded batch norm's).
void add_level_bias_correction(const int8_t* b_kn, int K, int N, const TernaryLevels& levels,
                               const std::vector<double>& k_mean, const float* scale, float* bias);

// Share of the `out` output positions at which kernel tap k (stride, padding) reads inside
// an input of length `in`, not padding: the weight of that tap in an expected value.
double tap_inside_share(int k, int in, int out, int stride, int pad);

}  // namespace ttq::runtime
