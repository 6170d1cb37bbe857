// The u8 x s8 kernel registry: one table drives the runtime, the tests and the benchmarks.
#include "kernels/gemm_u8s8_impl.h"

namespace ttq::kernels {

const std::vector<GemmU8S8Kernel>& gemm_u8s8_kernels() {
  static const std::vector<GemmU8S8Kernel> table = {
      {"gemm_u8s8_ref", Isa::scalar, kFullMaxWeight, 1, 100000, detail::pack_u8s8_ref, detail::run_u8s8_ref,
       detail::run_u8s8_ref_indirect},
#ifdef TTQ_KERNELS_X86
      {"gemm_u8s8_avx2_3x16", Isa::avx2, kCommonMaxWeight, 3, 500000, detail::pack_u8s8_ymm, detail::run_u8s8_avx2,
       detail::run_u8s8_avx2_indirect},
      {"gemm_u8s8_avx_vnni_6x16", Isa::avx_vnni, kFullMaxWeight, 6, 750000, detail::pack_u8s8_ymm_vnni, detail::run_u8s8_avx_vnni,
       detail::run_u8s8_avx_vnni_indirect},
      {"gemm_u8s8_avx512_vnni_6x64", Isa::avx512_vnni, kFullMaxWeight, 6, 1000000, detail::pack_u8s8_zmm, detail::run_u8s8_avx512_vnni,
       detail::run_u8s8_avx512_vnni_indirect},
#endif
#ifdef TTQ_KERNELS_AMX
      {"gemm_u8s8_amx_int8_32x32", Isa::amx_int8, kFullMaxWeight, 32, 3000000, detail::pack_u8s8_amx, detail::run_u8s8_amx_int8,
       detail::run_u8s8_amx_int8_indirect},
#endif
  };
  return table;
}

const GemmU8S8Kernel& best_gemm_u8s8() {
  static const GemmU8S8Kernel* best = [] {
    const auto& table = gemm_u8s8_kernels();
    const GemmU8S8Kernel* pick = &table.front();
    for (const auto& k : table) {
      if (k.isa <= active_isa() && cpu_supports(k.isa) && k.isa >= pick->isa) pick = &k;
    }
    return pick;
  }();
  return *best;
}

}  // namespace ttq::kernels
