// ISA names, parsing and detection; the registries agree with the detected CPU.
#include <gtest/gtest.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

TEST(Isa, NamesRoundTrip) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx_vnni, Isa::avx512_vnni, Isa::amx_int8}) {
    Isa parsed = Isa::scalar;
    ASSERT_TRUE(parse_isa(isa_name(isa), &parsed)) << isa_name(isa);
    EXPECT_EQ(parsed, isa);
  }
  Isa untouched = Isa::avx2;
  EXPECT_FALSE(parse_isa("avx512", &untouched));
  EXPECT_FALSE(parse_isa("", &untouched));
  EXPECT_FALSE(parse_isa(nullptr, &untouched));
  EXPECT_EQ(untouched, Isa::avx2);
}

TEST(Isa, ScalarAlwaysSupportedAndActiveIsSupported) {
  EXPECT_TRUE(cpu_supports(Isa::scalar));
  EXPECT_TRUE(cpu_supports(active_isa()));
  EXPECT_EQ(active_isa(), active_isa());  // stable
}

#if defined(__x86_64__)
TEST(Isa, DetectionAgreesWithTheCompiler) {
  __builtin_cpu_init();
  EXPECT_EQ(cpu_supports(Isa::avx2), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
  // GCC 12 knows avx512vnni; a CPU with it also needs F/BW/VL for our kernel.
  if (cpu_supports(Isa::avx512_vnni)) {
    EXPECT_TRUE(__builtin_cpu_supports("avx512vnni"));
    EXPECT_TRUE(__builtin_cpu_supports("avx512bw"));
  }
  if (cpu_supports(Isa::avx_vnni)) {
    EXPECT_TRUE(cpu_supports(Isa::avx2));
  }
  if (cpu_supports(Isa::amx_int8)) {
    EXPECT_TRUE(cpu_supports(Isa::avx512_vnni));
  }
}
#endif

#if defined(__x86_64__) && defined(__linux__)
// amx_int8 is only reported once Linux granted this process the tile-data state
// (ARCH_REQ_XCOMP_PERM in cpu_features.cpp); ARCH_GET_XCOMP_PERM shows the grant.
TEST(Isa, AmxLevelMeansTheProcessMayUseTileData) {
  if (!cpu_supports(Isa::amx_int8)) GTEST_SKIP() << "no AMX-INT8 here (or no permission, or no compiler support)";
  constexpr long kArchGetXcompPerm = 0x1022;
  unsigned long long features = 0;
  ASSERT_EQ(syscall(SYS_arch_prctl, kArchGetXcompPerm, &features), 0);
  EXPECT_TRUE(features & (1ull << 18)) << "XTILEDATA not permitted: 0x" << std::hex << features;
}
#endif

TEST(Isa, EveryLevelThisCpuHasIsInTheRegistry) {
  for (Isa isa : {Isa::avx2, Isa::avx_vnni, Isa::avx512_vnni, Isa::amx_int8}) {
    if (!cpu_supports(isa)) continue;
    bool found = false;
    for (const auto& k : gemm_u8s8_kernels()) found = found || k.isa == isa;
    EXPECT_TRUE(found) << isa_name(isa);
  }
}

}  // namespace
}  // namespace ttq::kernels
