// Built with -mamx-tile -mamx-int8. tdpbusd throughput: 4 independent 16 x 16 int32
// accumulator tiles (enough to cover its latency), no loads in the loop.
#include <immintrin.h>

#include <cstdint>

#include "common/cpu_clock.h"
#include "peak_probe.h"

namespace ttq::bench {
double probe_tdpbusd_per_cycle(double core_ghz) {
  struct alignas(64) {
    uint8_t palette = 1, start_row = 0, reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
  } cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  asm volatile("" : : "r"(&cfg) : "memory");  // GCC's ldtilecfg wrapper declares only 8 bytes read
  _tile_loadconfig(&cfg);
  _tile_zero(4);
  _tile_zero(6);
  constexpr long kIters = 1'000'000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const double t0 = thread_cpu_seconds();
    for (long i = 0; i < kIters; ++i) {
      _tile_dpbusd(0, 4, 6);
      _tile_dpbusd(1, 4, 6);
      _tile_dpbusd(2, 4, 6);
      _tile_dpbusd(3, 4, 6);
      _tile_dpbusd(0, 4, 6);
      _tile_dpbusd(1, 4, 6);
      _tile_dpbusd(2, 4, 6);
      _tile_dpbusd(3, 4, 6);
    }
    const double s = thread_cpu_seconds() - t0;
    const double per_cycle = 8.0 * kIters / (s * core_ghz * 1e9);
    if (per_cycle > best) best = per_cycle;
  }
  _tile_release();
  return best;
}
}  // namespace ttq::bench
