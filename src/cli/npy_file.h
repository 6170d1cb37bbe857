// Float matrices as NumPy .npy files (format 1.0), so `ttq run --logits` output opens
// with numpy.load and nothing else.
#pragma once

#include <string>
#include <vector>

namespace ttq::cli {

// Writes rows x cols float32 values (row-major) atomically. Throws FileError.
void save_npy_f32(const std::string& path, const std::vector<float>& values, size_t rows, size_t cols);

}  // namespace ttq::cli
