// Run by ctest once per TTQ_ISA value (see CMakeLists.txt): the cap picks the expected
// level, the chosen kernels obey it, and they still match the reference.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "gemm_test_util.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"

namespace ttq::kernels {
namespace {

TEST(IsaCap, ActiveLevelIsTheBestSupportedAtOrBelowTheCap) {
  const char* env = std::getenv("TTQ_ISA");
  if (env == nullptr) GTEST_SKIP() << "run by ctest with TTQ_ISA set";
  Isa cap;
  if (!parse_isa(env, &cap)) {
    EXPECT_THROW(active_isa(), ArgumentError);
    return;
  }
  Isa expected = Isa::scalar;
  for (int l = static_cast<int>(cap); l > 0; --l) {
    if (cpu_supports(static_cast<Isa>(l))) {
      expected = static_cast<Isa>(l);
      break;
    }
  }
  EXPECT_EQ(active_isa(), expected) << "TTQ_ISA=" << env;
  EXPECT_EQ(best_gemm_u8s8().isa, expected) << best_gemm_u8s8().name;
  EXPECT_LE(static_cast<int>(best_gemm_f32().isa), static_cast<int>(expected));
}

TEST(IsaCap, ChosenKernelMatchesReference) {
  if (std::getenv("TTQ_ISA") == nullptr) GTEST_SKIP();
  Isa cap;
  if (!parse_isa(std::getenv("TTQ_ISA"), &cap)) GTEST_SKIP() << "invalid value case";
  std::mt19937 rng(8);
  const int M = 19, N = 45, K = 203;
  const auto a = testing::random_u8(rng, M * K);
  const auto b = testing::random_s8(rng, K * N, best_gemm_u8s8().max_weight);
  std::vector<int32_t> want(M * N), got(M * N);
  for (auto [kernel, out] : {std::pair{&gemm_u8s8_kernels().front(), &want}, std::pair{&best_gemm_u8s8(), &got}}) {
    PackedB packed;
    kernel->pack(b.data(), K, N, &packed);
    Epilogue ep;
    ep.out_s32 = out->data();
    ep.ldc = N;
    kernel->run(M, a.data(), K, packed, ep);
  }
  EXPECT_EQ(got, want) << best_gemm_u8s8().name;
}

}  // namespace
}  // namespace ttq::kernels
