// The fp32 kernel registry (same scheme as the u8 x s8 one).
#include "kernels/gemm_f32_impl.h"

namespace ttq::kernels {

const std::vector<GemmF32Kernel>& gemm_f32_kernels() {
  static const std::vector<GemmF32Kernel> table = {
      {"gemm_f32_ref", Isa::scalar, 1, 50000, detail::pack_f32_ref, detail::run_f32_ref,
       detail::conv_direct_f32_ref},
#ifdef TTQ_KERNELS_X86
      {"gemm_f32_avx2_6x16", Isa::avx2, 6, 100000, detail::pack_f32_panels16, detail::run_f32_avx2,
       detail::conv_direct_f32_avx2},
      {"gemm_f32_avx512_6x64", Isa::avx512_vnni, 6, 200000, detail::pack_f32_avx512, detail::run_f32_avx512,
       detail::conv_direct_f32_avx512},
#endif
  };
  return table;
}

const GemmF32Kernel& best_gemm_f32() {
  static const GemmF32Kernel* best = [] {
    const auto& table = gemm_f32_kernels();
    const GemmF32Kernel* pick = &table.front();
    for (const auto& k : table) {
      if (k.isa <= active_isa() && cpu_supports(k.isa) && k.isa >= pick->isa) pick = &k;
    }
    return pick;
  }();
  return *best;
}

}  // namespace ttq::kernels
