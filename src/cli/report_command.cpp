// Placeholder until its engineer fills it in.
#include "cli/commands.h"

namespace ttq::cli {

void add_report_command(CLI::App&) {}

}  // namespace ttq::cli
