#include "common/cpu_clock.h"

#include <chrono>
#include <ctime>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace ttq {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double measure_core_ghz() {
#if defined(__x86_64__)
  constexpr long kIters = 50'000'000;  // 8 dependent adds each: 400 M cycles
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    uint64_t x = 1;
    const double t0 = thread_cpu_seconds();
    for (long i = 0; i < kIters; ++i) {
      __asm__ volatile(
          "add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
          "add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
          : "+r"(x));
    }
    const double s = thread_cpu_seconds() - t0;
    const double ghz = 8.0 * kIters / s * 1e-9;
    if (ghz > best) best = ghz;
  }
  return best;
#else
  return 0;
#endif
}

double measure_tsc_ghz() {
#if defined(__x86_64__)
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = __rdtsc();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(100)) {
  }
  const uint64_t c1 = __rdtsc();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(c1 - c0) / s * 1e-9;
#else
  return 0;
#endif
}

}  // namespace ttq
