// Built with -mavx512f -mavx512vnni.
#include "peak_probe.h"
#include "peak_probe_asm.h"

namespace ttq::bench {
double probe_vpdpbusd_zmm_per_cycle(double core_ghz) { TTQ_PROBE_BODY("vpdpbusd", "zmm") }
}  // namespace ttq::bench
