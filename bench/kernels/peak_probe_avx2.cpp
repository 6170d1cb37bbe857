// Built with -mavx2 -mfma.
#include "peak_probe.h"
#include "peak_probe_asm.h"

namespace ttq::bench {
double probe_vpmaddubsw_ymm_per_cycle(double core_ghz) { TTQ_PROBE_BODY("vpmaddubsw", "ymm") }
double probe_vfmadd_ymm_per_cycle(double core_ghz) { TTQ_PROBE_BODY("vfmadd231ps", "ymm") }
}  // namespace ttq::bench
