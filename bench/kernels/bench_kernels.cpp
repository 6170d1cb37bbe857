// GEMM kernel benchmarks on ResNet-20/18 conv shapes (im2col GEMMs at 28x28 / 32x32).
// Every kernel of the registries that this CPU supports, one thread.
// Counters: GMAC/s, and frac_peak = achieved MAC/cycle / the level's assumed peak
// MAC/cycle/core at the measured core clock (see docs/KERNELS.md):
//   avx2 vpmaddubsw 2/cycle x 32 = 64, avx_vnni vpdpbusd ymm 2 x 32 = 64,
//   avx512_vnni vpdpbusd zmm 2 x 64 = 128 (Sapphire Rapids: two 512-bit ports), f32 FMA 2 x 8 = 16 (avx2) or
//   2 x 16 = 32 (avx512_vnni level, zmm), amx_int8 one 16 x 16 x 64 tdpbusd (16384 MACs) per 16 cycles = 1024.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/cpu_model.h"
#include "common/cpu_clock.h"
#include "peak_probe.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"

namespace {

using namespace ttq::kernels;

double g_core_ghz = 0;

struct Shape {
  int M, N, K;
  const char* what;
};
const Shape kShapes[] = {
    {784, 16, 144, "r20_s1_28x28"},   {196, 32, 288, "r20_s2_14x14"},  {49, 64, 576, "r20_s3_7x7"},
    {1024, 16, 144, "r20_s1_32x32"},  {64, 256, 2304, "r18_l4_8x8"},   {256, 128, 1152, "r18_l3_16x16"},
};

template <class Body>
void timed_loop(benchmark::State& state, const Shape& s, double peak_mpc, Body body) {
  const double macs = static_cast<double>(s.M) * s.N * s.K;
  const double t0 = ttq::thread_cpu_seconds();  // CPU time: the machine is shared
  for (auto _ : state) body();
  const double sec = ttq::thread_cpu_seconds() - t0;
  const double rate = macs * static_cast<double>(state.iterations()) / sec;
  state.counters["GMAC/s"] = rate * 1e-9;
  if (peak_mpc > 0 && g_core_ghz > 0) state.counters["frac_peak"] = rate / (peak_mpc * g_core_ghz * 1e9);
  state.counters["MAC/cycle"] = g_core_ghz > 0 ? rate / (g_core_ghz * 1e9) : 0;
}

void bench_u8s8(benchmark::State& state, const GemmU8S8Kernel* k, Shape s) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> du(0, 255), dw(-kCommonMaxWeight, kCommonMaxWeight);
  std::vector<uint8_t> a(static_cast<size_t>(s.M) * s.K), out(static_cast<size_t>(s.M) * s.N);
  std::vector<int8_t> b(static_cast<size_t>(s.K) * s.N);
  for (auto& x : a) x = static_cast<uint8_t>(du(rng));
  for (auto& x : b) x = static_cast<int8_t>(dw(rng));
  std::vector<float> scale(s.N, 1e-3f), bias(s.N, 5.f);  // in output units, as the runtime folds them
  PackedB packed;
  k->pack(b.data(), s.K, s.N, &packed);
  Epilogue ep;  // the runtime's usual case: scale, bias, requantize to u8
  ep.scale = scale.data();
  ep.bias = bias.data();
  ep.relu = true;
  ep.out_u8 = out.data();
  ep.ldc = s.N;
  timed_loop(state, s, ttq::kernels::peak_macs_per_cycle(k->isa), [&] {
    k->run(s.M, a.data(), s.K, packed, ep);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  });
}

void bench_f32(benchmark::State& state, const GemmF32Kernel* k, Shape s) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> a(static_cast<size_t>(s.M) * s.K), b(static_cast<size_t>(s.K) * s.N),
      out(static_cast<size_t>(s.M) * s.N);
  for (auto& x : a) x = d(rng);
  for (auto& x : b) x = d(rng);
  PackedBF32 packed;
  k->pack(b.data(), s.K, s.N, &packed);
  EpilogueF32 ep;
  ep.relu = true;
  ep.out_f32 = out.data();
  ep.ldc = s.N;
  timed_loop(state, s, peak_f32_macs_per_cycle(k->isa), [&] {
    k->run(s.M, a.data(), s.K, packed, ep);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  });
}

// conv_direct over one whole image (rows = output pixels, K = kh * kw * C <= 32).
struct DirectShape {
  ConvGeometry g;
  int N;
  const char* what;
};

void bench_f32_direct(benchmark::State& state, const GemmF32Kernel* k, DirectShape d) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const Shape s{d.g.rows(), d.N, d.g.k(), d.what};
  std::vector<float> image(static_cast<size_t>(d.g.H) * d.g.W * d.g.C), b(static_cast<size_t>(s.K) * s.N),
      out(static_cast<size_t>(s.M) * s.N);
  for (auto& x : image) x = dist(rng);
  for (auto& x : b) x = dist(rng);
  PackedBF32 packed;
  k->pack(b.data(), s.K, s.N, &packed);
  EpilogueF32 ep;
  ep.relu = true;
  ep.out_f32 = out.data();
  ep.ldc = s.N;
  timed_loop(state, s, peak_f32_macs_per_cycle(k->isa), [&] {
    k->conv_direct(image.data(), d.g, 0, s.M, packed, ep);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  });
}

}  // namespace

int main(int argc, char** argv) {
  g_core_ghz = ttq::measure_core_ghz();
  const double tsc_ghz = ttq::measure_tsc_ghz();
  char buf[64];
  benchmark::AddCustomContext("cpu_model", ttq::cpu_model_name().c_str());
  std::snprintf(buf, sizeof buf, "%.3f", g_core_ghz);
  benchmark::AddCustomContext("core_ghz_measured", buf);
  std::snprintf(buf, sizeof buf, "%.3f", tsc_ghz);
  benchmark::AddCustomContext("tsc_ghz", buf);
  std::string levels;
  for (Isa isa : {Isa::avx2, Isa::avx_vnni, Isa::avx512_vnni, Isa::amx_int8})
    if (cpu_supports(isa)) levels += std::string(levels.empty() ? "" : ",") + isa_name(isa);
  benchmark::AddCustomContext("isa_levels", levels.empty() ? "scalar" : levels);
  benchmark::AddCustomContext("active_isa", isa_name(active_isa()));
  benchmark::AddCustomContext("assumed_peak_mac_per_cycle",
                              "avx2=64 avx_vnni=64 avx512_vnni=128 amx_int8=1024 f32_avx2_fma=16 f32_avx512_fma=32");
#ifdef TTQ_BENCH_PROBES
  // Measured instructions per cycle of each level's MAC instruction (12 independent chains).
  std::string probes;
  auto add_probe = [&](const char* what, double per_cycle, int macs_per_instr) {
    char line[96];
    std::snprintf(line, sizeof line, "%s%s=%.2f/cycle (%.0f MAC/cycle)", probes.empty() ? "" : " ", what,
                  per_cycle, per_cycle * macs_per_instr);
    probes += line;
  };
  if (cpu_supports(Isa::avx2)) {
    add_probe("vpmaddubsw_ymm", ttq::bench::probe_vpmaddubsw_ymm_per_cycle(g_core_ghz), 32);
    add_probe("vfmadd231ps_ymm", ttq::bench::probe_vfmadd_ymm_per_cycle(g_core_ghz), 8);
  }
  if (cpu_supports(Isa::avx_vnni)) add_probe("vpdpbusd_ymm", ttq::bench::probe_vpdpbusd_ymm_per_cycle(g_core_ghz), 32);
  if (cpu_supports(Isa::avx512_vnni)) add_probe("vpdpbusd_zmm", ttq::bench::probe_vpdpbusd_zmm_per_cycle(g_core_ghz), 64);
#ifdef TTQ_BENCH_PROBE_AMX
  if (cpu_supports(Isa::amx_int8)) add_probe("tdpbusd", ttq::bench::probe_tdpbusd_per_cycle(g_core_ghz), 16 * 16 * 64);
#endif
  benchmark::AddCustomContext("measured_mac_instr_throughput", probes);
#endif

  for (const auto& k : gemm_u8s8_kernels()) {
    if (!cpu_supports(k.isa) || k.isa > active_isa()) continue;
    for (const Shape& s : kShapes) {
      const std::string name = std::string(k.name) + "/" + s.what + "/M" + std::to_string(s.M) + "_N" +
                               std::to_string(s.N) + "_K" + std::to_string(s.K);
      benchmark::RegisterBenchmark(name.c_str(), bench_u8s8, &k, s)->Unit(benchmark::kMicrosecond);
    }
  }
  const Shape f32_shapes[] = {{784, 16, 9, "r20_conv1_28x28"}, {1024, 16, 27, "cifar_conv1_32x32"},
                              {64, 10, 512, "r18_fc_batch64"}, {49, 64, 576, "r20_s3_7x7"},
                              // ImageNet ResNet-18: one runtime task of the 7x7/2 stem over
                              // 3x224x224 (im2col rows), and the 1000-class FC at batch 64.
                              {192, 64, 147, "r18_224_conv1"}, {64, 1000, 512, "r18_fc1000_batch64"}};
  for (const auto& k : gemm_f32_kernels()) {
    if (!cpu_supports(k.isa) || k.isa > active_isa()) continue;
    for (const Shape& s : f32_shapes) {
      const std::string name = std::string(k.name) + "/" + s.what + "/M" + std::to_string(s.M) + "_N" +
                               std::to_string(s.N) + "_K" + std::to_string(s.K);
      benchmark::RegisterBenchmark(name.c_str(), bench_f32, &k, s)->Unit(benchmark::kMicrosecond);
    }
    // The first convs that conv_direct reads in place (3x3, pad 1, N = 16).
    const DirectShape direct[] = {{{28, 28, 1, 3, 3, 1, 1, 1, 1}, 16, "direct_mnist_conv1_28x28"},
                                  {{32, 32, 3, 3, 3, 1, 1, 1, 1}, 16, "direct_cifar_conv1_32x32"}};
    for (const DirectShape& d : direct) {
      const std::string name = std::string(k.name) + "/" + d.what + "/M" + std::to_string(d.g.rows()) + "_N" +
                               std::to_string(d.N) + "_K" + std::to_string(d.g.k());
      benchmark::RegisterBenchmark(name.c_str(), bench_f32_direct, &k, d)->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
