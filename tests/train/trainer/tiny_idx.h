// Writes a tiny MNIST-format (IDX) data set whose label is learnable from the
// image (a bright square whose position encodes the class).
#pragma once

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace ttq::test {

inline void write_be32(std::ofstream& f, uint32_t v) {
  const unsigned char b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

inline void write_idx_split(const std::string& dir, const std::string& prefix, int n, int side, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> images(size_t(n) * side * side), labels(n);
  for (int i = 0; i < n; ++i) {
    const int label = int(rng() % 10);
    labels[i] = uint8_t(label);
    uint8_t* img = &images[size_t(i) * side * side];
    for (int p = 0; p < side * side; ++p) img[p] = uint8_t(rng() % 40);
    const int cy = (label / 4) * (side / 3), cx = (label % 4) * (side / 4);
    for (int y = cy; y < cy + 3 && y < side; ++y)
      for (int x = cx; x < cx + 3 && x < side; ++x) img[y * side + x] = 250;
  }
  std::ofstream fi(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  write_be32(fi, 0x803);
  write_be32(fi, n);
  write_be32(fi, side);
  write_be32(fi, side);
  fi.write(reinterpret_cast<const char*>(images.data()), images.size());
  std::ofstream fl(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  write_be32(fl, 0x801);
  write_be32(fl, n);
  fl.write(reinterpret_cast<const char*>(labels.data()), labels.size());
}

// train: n_train images, t10k: n_test images, side x side pixels.
inline void write_tiny_mnist(const std::string& dir, int n_train, int n_test, int side) {
  write_idx_split(dir, "train", n_train, side, 1);
  write_idx_split(dir, "t10k", n_test, side, 2);
}

}  // namespace ttq::test
