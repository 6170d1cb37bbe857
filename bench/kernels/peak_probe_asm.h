// Internal to the peak probes: one timed loop of 12 independent `INSTR` per iteration.
#pragma once

#include "common/cpu_clock.h"

#define TTQ_PROBE_BODY(INSTR, REG)                                                          \
  constexpr long kIters = 20'000'000;                                                       \
  double best = 0;                                                                          \
  for (int rep = 0; rep < 3; ++rep) {                                                       \
    const double t0 = thread_cpu_seconds();                                                 \
    for (long i = 0; i < kIters; ++i) {                                                     \
      __asm__ volatile(INSTR " %%" REG "14, %%" REG "15, %%" REG "0\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "1\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "2\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "3\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "4\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "5\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "6\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "7\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "8\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "9\n\t"                   \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "10\n\t"                  \
                       INSTR " %%" REG "14, %%" REG "15, %%" REG "11\n\t" ::                \
                           : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
                             "xmm8", "xmm9", "xmm10", "xmm11");                             \
    }                                                                                       \
    const double s = thread_cpu_seconds() - t0;                                             \
    const double per_cycle = 12.0 * kIters / (s * core_ghz * 1e9);                          \
    if (per_cycle > best) best = per_cycle;                                                 \
  }                                                                                         \
  return best;
