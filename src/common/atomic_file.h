// Write a file so that a crash never leaves it half-written:
// write to "<path>.tmp.<pid>", flush, fsync, then rename over <path>.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace ttq {

// Calls write(out) on a temporary file next to `path`, then atomically renames it.
// Throws FileError (and removes the temporary) if anything fails.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Reads a whole file; throws FileError naming the path if it cannot.
std::string read_file(const std::string& path);

}  // namespace ttq
