// Placeholder until its engineer fills it in.
#include "cli/commands.h"

namespace ttq::cli {

void add_ptq_commands(CLI::App&) {}

}  // namespace ttq::cli
