// One layer of a Deep Compression model, coded: pruned positions, cluster indices
// of the surviving weights, and the codebook (Han et al. 2016, stage 3). Torch-free.
//
// Layer buffer (little-endian):
//   u32 weight count n, u16 cluster count C, C x f32 centroids,
//   gap stream:   Huffman stream (huffman.h) of the relative index of each surviving
//                 weight: the number of pruned weights before it since the previous
//                 survivor, as symbols 0..254; symbol 255 stands for 255 pruned weights
//                 and no survivor (the paper's "filler zero", without storing a weight),
//   index stream: Huffman stream of the cluster index (< C) of each survivor, in order.
// Pruned weights after the last survivor are implied by n.
#pragma once

#include <cstdint>
#include <vector>

namespace ttq::train::compression {

struct SharedWeightLayer {
  std::vector<float> centroids;     // at most 256
  std::vector<int32_t> assignment;  // per weight (row-major): cluster index, or -1 when pruned
};

constexpr uint8_t kGapEscape = 255;

std::vector<uint8_t> encode_shared_weights(const SharedWeightLayer& layer);
// Throws FormatError when the buffer is truncated or inconsistent.
SharedWeightLayer decode_shared_weights(const uint8_t* data, size_t size);
// The effective weights: centroids[assignment], 0 where pruned.
std::vector<float> dense_weights(const SharedWeightLayer& layer);

}  // namespace ttq::train::compression
