// Packing for the AVX-512 fp32 kernel (generic flags: std::vector code stays out of the
// AVX-512 file). Its tiles read the AVX2 kernel's 16-column panels; its dot-product form
// (few columns, long K; gemm_f32_impl.h) reads B transposed.
#include "kernels/gemm_f32_impl.h"

namespace ttq::kernels::detail {

void pack_f32_avx512(const float* b_kn, int K, int N, PackedBF32* out) {
  pack_f32_panels16(b_kn, K, N, out);  // checks the shape
  out->isa = Isa::avx512_vnni;
  if (!f32_dot_form(K, N)) return;
  const int k16 = (K + kF32Panel - 1) / kF32Panel * kF32Panel;
  out->data.assign(static_cast<size_t>(N) * k16, 0.f);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) out->data[static_cast<size_t>(n) * k16 + k] = b_kn[static_cast<size_t>(k) * N + n];
}

}  // namespace ttq::kernels::detail
