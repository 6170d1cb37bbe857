// `--nproc-per-node N`: starts N ranks of this same command on this machine (re-executing
// /proc/self/exe with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set) and
// supervises them. Torch-free.
#pragma once

namespace ttq::train::dist {

struct LaunchOptions {
  int nproc_per_node = 1;
  // How long the other ranks may take to notice a failed rank and stop on their own
  // (printing their message) before the launcher kills them.
  double grace_seconds = 10;
};

// Several machines: NNODES (default 1) and NODE_RANK (default 0) from the environment give
// this node's ranks NODE_RANK*N .. NODE_RANK*N+N-1 of NNODES*N; MASTER_ADDR/MASTER_PORT
// must then be set. On one machine a free port on 127.0.0.1 is chosen.
// Returns the exit status for the launcher: 0 when every rank succeeded, otherwise the
// first failing rank's status (1 when it died by a signal). Remaining ranks are killed
// after a failure: never a silent hang. Throws ArgumentError on bad options.
int launch_local_ranks(const LaunchOptions& options);

}  // namespace ttq::train::dist
