#include "train/distributed/dist_env.h"

#include <cstdlib>

#include "common/error.h"

namespace ttq::train::dist {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback, int min_value) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < min_value || x > 1000000) {
    throw ArgumentError(std::string("environment variable ") + name + "='" + v + "' is not a valid number",
                        "it must be an integer >= " + std::to_string(min_value));
  }
  return int(x);
}

}  // namespace

bool launched_as_rank() { return env("RANK") != nullptr; }

DistEnv read_dist_env() {
  DistEnv e;
  e.world_size = env_int("WORLD_SIZE", 1, 1);
  e.rank = env_int("RANK", 0, 0);
  e.local_rank = env_int("LOCAL_RANK", e.rank, 0);
  if (e.rank >= e.world_size) {
    throw ArgumentError("RANK=" + std::to_string(e.rank) + " is not below WORLD_SIZE=" + std::to_string(e.world_size),
                        "ranks count from 0");
  }
  if (env("RANK") && !env("WORLD_SIZE")) throw ArgumentError("RANK is set but WORLD_SIZE is not", "set both");
  if (const char* a = env("MASTER_ADDR")) e.master_addr = a;
  e.master_port = env_int("MASTER_PORT", e.master_port, 1);
  if (e.master_port > 65535) throw ArgumentError("MASTER_PORT=" + std::to_string(e.master_port) + " is not a port");
  if (e.active() && !env("MASTER_ADDR")) {
    throw ArgumentError("WORLD_SIZE > 1 but MASTER_ADDR is not set", "set MASTER_ADDR and MASTER_PORT to rank 0's host");
  }
  return e;
}

}  // namespace ttq::train::dist
