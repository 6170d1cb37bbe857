// How a ternary layer's {-wn, 0, +wp} becomes small integers for the u8 x s8
// kernels: codes decode to {-n, 0, +p}, integers of at most max_level (the kernel's
// limit: 127, or 32 on AVX2) whose ratio is the closest such fraction to wp/wn, and one
// float per layer (the weight unit) brings them back: p * unit ~= wp, n * unit ~= wn,
// exactly for the larger.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ttq::runtime {

struct TernaryLevels {
  int p = 0, n = 0;    // integer weights for codes +1 and -1 (1..max_level)
  float unit = 0.f;    // value of integer weight 1: max(wp, wn) / max(p, n)
};

// Throws FormatError (naming tensor) unless wp and wn are finite and > 0. max_level >= 1.
TernaryLevels ternary_levels(float wp, float wn, int max_level, const std::string& tensor);

// Bias correction for what the levels miss (docs/RUNTIME.md): +1 weights count p * unit
// instead of wp (dp = wp - p * unit) and -1 weights n * unit instead of wn. On inputs with
// a non-zero mean (every post-ReLU input) each output o is then off by about
// dp * E[P_o] - dn * E[N_o], the expected sums of the inputs under its +1 and -1 weights.
// b_kn: one group's K x N integer weights ({-n, 0, +p}); k_mean[k]: the expected input at
// row k. Adds scale[o] * (dp * E[P_o] - dn * E[N_o]) to bias[o] (scale: the factor the
// raw sum gets before the bias, e.g. a folded batch norm's).
void add_level_bias_correction(const int8_t* b_kn, int K, int N, double dp, double dn, const std::vector<double>& k_mean,
                               const float* scale, float* bias);

// Share of the `out` output positions at which kernel tap k (stride, padding) reads inside
// an input of length `in`, not padding: the weight of that tap in an expected value.
double tap_inside_share(int k, int in, int out, int stride, int pad);

}  // namespace ttq::runtime
