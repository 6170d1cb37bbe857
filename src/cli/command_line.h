// The command as typed, recorded in every summary.json next to the figures it made.
#pragma once

#include <string>

namespace ttq::cli {

// "ttq" and this process's arguments, joined by spaces (from /proc/self/cmdline).
std::string command_line();

}  // namespace ttq::cli
