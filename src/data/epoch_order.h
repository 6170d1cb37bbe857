// Which samples an epoch visits, in which order, on which rank. Everything here is a
// pure function of its arguments, so a resumed run replays the exact same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ttq::data {

// A permutation of [0, n): Fisher-Yates driven by std::mt19937_64 seeded with
// seed * 1000003 + epoch (std::shuffle is not used: its algorithm is implementation-defined).
std::vector<size_t> epoch_permutation(size_t n, uint64_t seed, int64_t epoch);

// The dataset indices a subset keeps: 0, stride, 2*stride, ... (at most `count` of them,
// all when count is 0), from a dataset of `size` samples.
std::vector<size_t> subset_indices(size_t size, size_t count, size_t stride);

// Rank `rank` of `world` takes positions rank, rank + world, ... of `order`. Every rank gets the
// same count: floor(n / world) when drop_last, else ceil(n / world) with positions past the end
// wrapping around to the start.
std::vector<size_t> shard_of(const std::vector<size_t>& order, int rank, int world, bool drop_last);

}  // namespace ttq::data
