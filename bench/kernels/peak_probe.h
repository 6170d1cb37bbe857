// Measured instruction throughput of the multiply-accumulate instruction of each level:
// 12 independent accumulators (no loads), so only the execution ports limit it.
// Returns instructions per core cycle, given the core clock in GHz. Call only where
// cpu_supports() says the level is present.
#pragma once

namespace ttq::bench {

double probe_vpmaddubsw_ymm_per_cycle(double core_ghz);  // AVX2
double probe_vpdpbusd_ymm_per_cycle(double core_ghz);    // AVX-VNNI
double probe_vpdpbusd_zmm_per_cycle(double core_ghz);    // AVX-512 VNNI
double probe_vfmadd_ymm_per_cycle(double core_ghz);      // FMA (fp32 peak)

}  // namespace ttq::bench
