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

void run_u8s8_ref_indirect(int M, const IndirectA& a, const PackedB& b, const Epilogue& ep) {
  assert(b.isa == Isa::scalar && a.segments * a.seg_k == b.K);
  const int N = b.N;
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      int32_t c = 0;
      for (int s = 0; s < a.segments; ++s) {
        const uint8_t* run = a.run(m, s);
        for (int k = 0; k < a.seg_k; ++k) {
          const size_t kk = static_cast<size_t>(s) * a.seg_k + k;
          c += static_cast<int32_t>(run[k]) * static_cast<int32_t>(b.data[kk * N + n]);
        }
      }
      epilogue_element(ep, m, n, c);
    }
  }
}

}  // namespace ttq::kernels::detail
