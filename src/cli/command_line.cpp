#include "cli/command_line.h"

#include <fstream>
#include <iterator>

namespace ttq::cli {

// The program is recorded as "ttq" whatever path ran it (a build tree, a copy in /tmp):
// a recorded command is for a reader to run again, not a trace of one machine's files.
std::string command_line() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string out = "ttq";
  const size_t program_end = all.find('\0');
  if (program_end != std::string::npos) {
    for (size_t i = program_end; i < all.size(); ++i) out += all[i] == '\0' ? ' ' : all[i];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace ttq::cli
