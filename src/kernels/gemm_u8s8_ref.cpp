// Scalar reference u8 x s8 GEMM: the definition every SIMD kernel must match bit for bit.
#include <cassert>

#include "kernels/epilogue_scalar.h"
#include "kernels/gemm_u8s8_impl.h"

namespace ttq::kernels::detail {

void run_u8s8_ref(int M, const uint8_t* a, int lda, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::scalar);
  const int K = b.K, N = b.N;
  for (int m = 0; m < M; ++m) {
    const uint8_t* a_row = a + static_cast<std::ptrdiff_t>(m) * lda;
    for (int n = 0; n < N; ++n) {
      int32_t c = 0;
      for (int k = 0; k < K; ++k) {
        c += static_cast<int32_t>(a_row[k]) * static_cast<int32_t>(b.data[static_cast<size_t>(k) * N + n]);
      }
      epilogue_element(ep, m, n, c);
    }
  }
}

}  // namespace ttq::kernels::detail
