// Where this process sits in a data-parallel job, from the torchrun-style environment
// (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT). Torch-free.
#pragma once

#include <string>

namespace ttq::train::dist {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool active() const { return world_size > 1; }
};

// True when RANK is set: this process is one rank of a job (started by our launcher or
// by the user on several machines), so it must not start ranks of its own.
bool launched_as_rank();

// Reads the variables; absent RANK/WORLD_SIZE mean a single process. Throws ArgumentError
// naming the variable when one is malformed or inconsistent (e.g. RANK >= WORLD_SIZE).
DistEnv read_dist_env();

}  // namespace ttq::train::dist
