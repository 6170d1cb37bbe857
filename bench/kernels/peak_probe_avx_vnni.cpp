// Built with -mavx2 -mavxvnni.
#include "peak_probe.h"
#include "peak_probe_asm.h"

namespace ttq::bench {
double probe_vpdpbusd_ymm_per_cycle(double core_ghz) { TTQ_PROBE_BODY("%{vex%} vpdpbusd", "ymm") }
}  // namespace ttq::bench
