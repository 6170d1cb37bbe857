#include "train/distributed/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ttq::train::dist {

void maybe_inject_fault(int rank, long step) {
  static const char* spec = std::getenv("TTQ_TEST_FAIL_RANK");
  if (!spec || !*spec) return;
  int fail_rank = -1;
  long fail_step = -1;
  char mode[16] = {0};
  if (std::sscanf(spec, "%d:%ld:%15s", &fail_rank, &fail_step, mode) != 3) return;
  if (fail_rank != rank || fail_step != step) return;
  std::fprintf(stderr, "ttq: rank %d: TTQ_TEST_FAIL_RANK: %s at step %ld\n", rank, mode, step);
  std::fflush(stderr);
  if (std::strcmp(mode, "hang") == 0) {
    for (;;) ::pause();
  }
  ::raise(SIGKILL);
}

}  // namespace ttq::train::dist
