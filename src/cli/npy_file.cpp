#include "cli/npy_file.h"

#include <cassert>
#include <cstdint>

#include "common/atomic_file.h"

namespace ttq::cli {

void save_npy_f32(const std::string& path, const std::vector<float>& values, size_t rows, size_t cols) {
  assert(values.size() == rows * cols);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces and ended by '\n'
  // to a multiple of 64 bytes, as the format asks.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  write_file_atomically(path, [&](std::ostream& os) {
    os.write("\x93NUMPY\x01\x00", 8);
    const uint16_t n = uint16_t(header.size());
    const char len[2] = {char(n & 0xff), char(n >> 8)};
    os.write(len, 2);
    os << header;
    os.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
  });
}

}  // namespace ttq::cli
