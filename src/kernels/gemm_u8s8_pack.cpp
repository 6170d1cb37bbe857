// Weight packing for the u8 x s8 GEMM (layout documented in gemm_u8s8_impl.h).
// Built with generic flags: packing runs once at load time and must not carry ISA code.
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "kernels/gemm_u8s8_impl.h"

namespace ttq::kernels::detail {

void check_weight_range(const int8_t* b_kn, int K, int N, int max_weight) {
  const long long count = static_cast<long long>(K) * N;
  for (long long i = 0; i < count; ++i) {
    if (std::abs(static_cast<int>(b_kn[i])) > max_weight) {
      throw ArgumentError("weight " + std::to_string(b_kn[i]) + " at (k=" + std::to_string(i / N) +
                              ", n=" + std::to_string(i % N) + ") exceeds the kernel limit |w| <= " +
                              std::to_string(max_weight),
                          "decode ternary codes to {-n, 0, +p} with max(p, n) <= " + std::to_string(max_weight));
    }
  }
}

static void check_shape(int K, int N) {
  if (K < 1 || N < 1) {
    throw ShapeError("GEMM weights must have K >= 1 and N >= 1, got K=" + std::to_string(K) +
                     ", N=" + std::to_string(N));
  }
}

void pack_u8s8_panels(const int8_t* b_kn, int K, int N, int panel_width, Isa isa, int max_weight, PackedB* out,
                      int group_multiple) {
  check_shape(K, N);
  check_weight_range(b_kn, K, N, max_weight);
  const int k4 = ((K + 3) / 4 + group_multiple - 1) / group_multiple * group_multiple;
  const int panels = (N + panel_width - 1) / panel_width;
  out->K = K;
  out->N = N;
  out->isa = isa;
  out->col_bias.clear();
  out->data.assign(static_cast<size_t>(panels) * k4 * panel_width * 4, 0);
  for (int k = 0; k < K; ++k) {
    for (int n = 0; n < N; ++n) {
      const int p = n / panel_width, j = n % panel_width;
      const size_t at = ((static_cast<size_t>(p) * k4 + k / 4) * panel_width + j) * 4 + k % 4;
      out->data[at] = b_kn[static_cast<size_t>(k) * N + n];
    }
  }
}

void pack_u8s8_ref(const int8_t* b_kn, int K, int N, PackedB* out) {
  check_shape(K, N);
  check_weight_range(b_kn, K, N, kFullMaxWeight);
  out->K = K;
  out->N = N;
  out->isa = Isa::scalar;
  out->col_bias.clear();
  out->data.assign(b_kn, b_kn + static_cast<size_t>(K) * N);  // reference keeps row-major K x N
}

void pack_u8s8_ymm(const int8_t* b_kn, int K, int N, PackedB* out) {
  pack_u8s8_panels(b_kn, K, N, kYmmPanel, Isa::avx2, kCommonMaxWeight, out);
}
void pack_u8s8_ymm_vnni(const int8_t* b_kn, int K, int N, PackedB* out) {
  pack_u8s8_panels(b_kn, K, N, kYmmPanel, Isa::avx_vnni, kFullMaxWeight, out);
}
void pack_u8s8_zmm(const int8_t* b_kn, int K, int N, PackedB* out) {
  pack_u8s8_panels(b_kn, K, N, kZmmPanel, Isa::avx512_vnni, kFullMaxWeight, out);
}
void pack_u8s8_amx(const int8_t* b_kn, int K, int N, PackedB* out) {
  pack_u8s8_panels(b_kn, K, N, kZmmPanel, Isa::amx_int8, kFullMaxWeight, out, kAmxGroups);
}

}  // namespace ttq::kernels::detail
