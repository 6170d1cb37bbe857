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
#ifdef TTQ_BENCH_PROBE_AMX
// AMX-INT8: tdpbusd (16 x 16 x 64 = 16384 MACs) per cycle; needs cpu_supports(amx_int8),
// which also got the process the OS permission for tile data.
double probe_tdpbusd_per_cycle(double core_ghz);
#endif

}  // namespace ttq::bench
