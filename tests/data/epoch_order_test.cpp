#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/epoch_order.h"

namespace ttq::data {
namespace {

bool is_permutation_of_range(std::vector<size_t> v, size_t n) {
  if (v.size() != n) return false;
  std::sort(v.begin(), v.end());
  for (size_t i = 0; i < n; ++i)
    if (v[i] != i) return false;
  return true;
}

TEST(EpochOrder, PermutationDependsOnlyOnSeedAndEpoch) {
  auto a = epoch_permutation(1000, 42, 3);
  EXPECT_TRUE(is_permutation_of_range(a, 1000));
  EXPECT_EQ(a, epoch_permutation(1000, 42, 3));
  EXPECT_NE(a, epoch_permutation(1000, 42, 4));
  EXPECT_NE(a, epoch_permutation(1000, 43, 3));
  EXPECT_TRUE(epoch_permutation(0, 1, 1).empty());
  EXPECT_EQ(epoch_permutation(1, 1, 1), std::vector<size_t>{0});
}

// The order is part of what --resume promises: pin it, so a change to the algorithm
// (which would silently alter every resumed run) fails here.
TEST(EpochOrder, PermutationIsPinned) {
  EXPECT_EQ(epoch_permutation(10, 0, 0), (std::vector<size_t>{7, 2, 0, 8, 3, 9, 6, 1, 5, 4}));
}

TEST(EpochOrder, SubsetTakesCountAndStride) {
  EXPECT_EQ(subset_indices(10, 0, 1).size(), 10u);
  EXPECT_EQ(subset_indices(10, 3, 1), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(subset_indices(10, 0, 4), (std::vector<size_t>{0, 4, 8}));
  EXPECT_EQ(subset_indices(10, 2, 3), (std::vector<size_t>{0, 3}));
  EXPECT_EQ(subset_indices(2, 5, 1), (std::vector<size_t>{0, 1}));
}

TEST(EpochOrder, ShardsAreDisjointAndCoverEverything) {
  const auto order = epoch_permutation(10, 5, 1);
  // drop_last: 3 each, disjoint, the remainder (one sample) dropped.
  std::set<size_t> seen;
  for (int r = 0; r < 3; ++r) {
    auto mine = shard_of(order, r, 3, true);
    ASSERT_EQ(mine.size(), 3u);
    for (size_t k = 0; k < mine.size(); ++k) EXPECT_EQ(mine[k], order[size_t(r) + 3 * k]);
    for (size_t i : mine) EXPECT_TRUE(seen.insert(i).second) << "sample " << i << " on two ranks";
  }
  EXPECT_EQ(seen.size(), 9u);
  // No drop_last: 4 each, every sample present, the two padding positions wrap to the start.
  std::multiset<size_t> all;
  for (int r = 0; r < 3; ++r) {
    auto mine = shard_of(order, r, 3, false);
    ASSERT_EQ(mine.size(), 4u);
    all.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 10u);
  EXPECT_EQ(all.count(order[0]), 2u);
  EXPECT_EQ(all.count(order[1]), 2u);
  EXPECT_EQ(shard_of(order, 0, 1, true), order);
}

}  // namespace
}  // namespace ttq::data
