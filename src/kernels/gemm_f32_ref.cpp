// Scalar reference fp32 GEMM and the fp32 packing (generic flags).
#include <string>

#include "common/error.h"
#include "kernels/gemm_f32_impl.h"

namespace ttq::kernels::detail {

static void check_shape(int K, int N) {
  if (K < 1 || N < 1) {
    throw ShapeError("fp32 GEMM weights must have K >= 1 and N >= 1, got K=" + std::to_string(K) +
                     ", N=" + std::to_string(N));
  }
}

void pack_f32_ref(const float* b_kn, int K, int N, PackedBF32* out) {
  check_shape(K, N);
  out->K = K;
  out->N = N;
  out->isa = Isa::scalar;
  out->data.assign(b_kn, b_kn + static_cast<size_t>(K) * N);
}

void pack_f32_panels16(const float* b_kn, int K, int N, PackedBF32* out) {
  check_shape(K, N);
  const int panels = (N + kF32Panel - 1) / kF32Panel;
  out->K = K;
  out->N = N;
  out->isa = Isa::avx2;
  out->data.assign(static_cast<size_t>(panels) * K * kF32Panel, 0.f);
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < N; ++n)
      out->data[(static_cast<size_t>(n / kF32Panel) * K + k) * kF32Panel + n % kF32Panel] =
          b_kn[static_cast<size_t>(k) * N + n];
}

void run_f32_ref(int M, const float* a, int lda, const PackedBF32& b, const EpilogueF32& ep) {
  const int K = b.K, N = b.N;
  for (int m = 0; m < M; ++m) {
    const float* a_row = a + static_cast<std::ptrdiff_t>(m) * lda;
    for (int n = 0; n < N; ++n) {
      float c = 0.f;
      for (int k = 0; k < K; ++k) c = c + a_row[k] * b.data[static_cast<size_t>(k) * N + n];
      epilogue_f32_element(ep, m, n, c);
    }
  }
}

// The same sums as run_f32_ref over im2col rows, in the same k order, minus the padding
// taps' zero products (adding +-0 to a sum that starts at +0 changes nothing).
void conv_direct_f32_ref(const float* image, const ConvGeometry& g, int r0, int count, const PackedBF32& b,
                         const EpilogueF32& ep) {
  const int N = b.N, C = g.C;
  for (int m = 0; m < count; ++m) {
    const ConvTaps t = conv_taps(g, r0 + m);
    for (int n = 0; n < N; ++n) {
      float c = 0.f;
      for (int ky = t.ky_lo; ky < t.ky_hi; ++ky)
        for (int kx = t.kx_lo; kx < t.kx_hi; ++kx) {
          const float* x = image + (static_cast<std::ptrdiff_t>(t.iy0 + ky) * g.W + t.ix0 + kx) * C;
          const int k0 = (ky * g.kw + kx) * C;
          for (int ci = 0; ci < C; ++ci) c = c + x[ci] * b.data[static_cast<size_t>(k0 + ci) * N + n];
        }
      epilogue_f32_element(ep, m, n, c);
    }
  }
}

}  // namespace ttq::kernels::detail
