// Measures the clocks that peak figures (MAC/cycle, fraction of a level's peak) are computed from.
#pragma once

namespace ttq {

// CPU time of the calling thread (not wall time: the machines are shared, and a
// descheduled thread would otherwise look slow).
double thread_cpu_seconds();
// Core clock in GHz, measured with a chain of dependent integer adds (1 cycle each) over thread CPU time.
double measure_core_ghz();
// Time-stamp counter rate in GHz (the nominal clock on modern x86), measured against steady_clock.
double measure_tsc_ghz();

}  // namespace ttq
