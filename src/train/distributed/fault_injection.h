// Test-only: TTQ_TEST_FAIL_RANK="RANK:STEP:kill" makes that rank SIGKILL itself when it
// reaches training step STEP (counted from 1 in this process); "RANK:STEP:hang" makes it
// sleep forever instead. Lets the tests prove that a dead or hung rank ends the whole job.
#pragma once

namespace ttq::train::dist {

void maybe_inject_fault(int rank, long step);

}  // namespace ttq::train::dist
