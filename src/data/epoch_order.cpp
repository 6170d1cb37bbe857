#include "data/epoch_order.h"

#include <limits>
#include <random>

namespace ttq::data {
namespace {

// Uniform in [0, bound) without modulo bias; mt19937_64's output is fully specified,
// so this is the same on every platform.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % bound + 1) % bound;  // largest multiple of bound, minus 1
  uint64_t r;
  do r = rng(); while (r > limit);
  return r % bound;
}

}  // namespace

std::vector<size_t> epoch_permutation(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<size_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  std::mt19937_64 rng(seed * 1000003ULL + uint64_t(epoch));
  for (size_t i = n; i > 1; --i) {
    size_t j = size_t(uniform_below(rng, i));
    std::swap(perm[i - 1], perm[j]);
  }
  return perm;
}

std::vector<size_t> subset_indices(size_t size, size_t count, size_t stride) {
  std::vector<size_t> idx;
  if (stride == 0) stride = 1;
  for (size_t i = 0; i < size && (count == 0 || idx.size() < count); i += stride) idx.push_back(i);
  return idx;
}

std::vector<size_t> shard_of(const std::vector<size_t>& order, int rank, int world, bool drop_last) {
  const size_t n = order.size(), w = size_t(world);
  if (w <= 1) return order;
  const size_t per_rank = drop_last ? n / w : (n + w - 1) / w;
  std::vector<size_t> mine;
  mine.reserve(per_rank);
  for (size_t k = 0; k < per_rank; ++k) mine.push_back(order[(size_t(rank) + k * w) % n]);
  return mine;
}

}  // namespace ttq::data
