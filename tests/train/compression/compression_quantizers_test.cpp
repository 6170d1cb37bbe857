// Prune and k-means quantizers: exact mask fraction, cluster gradients, real coded size.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/quant/compression/kmeans_quantizer.h"
#include "train/quant/compression/prune_quantizer.h"

using namespace ttq::train;

TEST(Prune, MaskPrunesExactlyTheSmallestMagnitudes) {
  const torch::Tensor w = torch::tensor({0.5f, -0.1f, 0.3f, -0.9f, 0.1f, 0.0f, 0.7f}).view({7, 1});
  // 0.5 * 7 + 0.5 = 4 weights pruned: 0.0, then the tie -0.1 / 0.1 by position, then 0.3.
  const torch::Tensor m = magnitude_prune_mask(w, 0.5);
  EXPECT_TRUE(torch::equal(m.flatten(), torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f})));
  EXPECT_EQ(magnitude_prune_mask(w, 0.0).sum().item<int64_t>(), 7);
  EXPECT_EQ(magnitude_prune_mask(w, 1.0).sum().item<int64_t>(), 0);
}

TEST(Prune, FractionIsExactOnALargeTensor) {
  torch::manual_seed(1);
  const torch::Tensor w = torch::randn({64, 16, 3, 3});
  for (double f : {0.1, 0.5, 0.9}) {
    const torch::Tensor m = magnitude_prune_mask(w, f);
    const int64_t pruned = w.numel() - m.sum().item<int64_t>();
    EXPECT_EQ(pruned, int64_t(f * double(w.numel()) + 0.5));
    // every kept weight is at least as large as every pruned one
    EXPECT_GE(w.abs().masked_select(m > 0).min().item<float>(), w.abs().masked_select(m == 0).max().item<float>());
  }
}

TEST(Prune, ForwardMasksAndGradientSkipsPrunedWeights) {
  torch::Tensor w = torch::tensor({0.5f, -0.1f, 0.3f, -0.9f}).requires_grad_(true);
  PruneQuantizerImpl q(w, 0.5);
  const torch::Tensor y = q.forward(w);
  EXPECT_TRUE(torch::equal(y.detach(), torch::tensor({0.5f, 0.0f, 0.0f, -0.9f})));
  y.sum().backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({1.0f, 0.0f, 0.0f, 1.0f})));
  EXPECT_EQ(q.packed_bytes(w), 2 * 5);
}

TEST(KMeansQuantizer, ZerosArePrunedAndCentroidsGetSummedGradients) {
  torch::Tensor w = torch::tensor({-1.0f, 0.0f, -0.9f, 2.0f, 0.0f, 2.2f}).view({3, 2});
  KMeansQuantizerImpl q(w, 1, KMeansQuantizerImpl::CentroidGradient::sum);  // 2 clusters
  EXPECT_TRUE(torch::equal(q.assignment.flatten(), torch::tensor({0, -1, 0, 1, -1, 1}, torch::kInt64)));
  EXPECT_NEAR(q.centroids[0].item<float>(), -0.95f, 1e-6);
  EXPECT_NEAR(q.centroids[1].item<float>(), 2.1f, 1e-6);
  const torch::Tensor y = q.forward(w);
  EXPECT_EQ(y[0][1].item<float>(), 0.0f);
  EXPECT_EQ(y[2][0].item<float>(), 0.0f);
  // d/dc of sum(g * y) with g = 1..6: cluster 0 gets 1 + 3, cluster 1 gets 4 + 6; pruned 2, 5 nothing.
  (y * torch::arange(1, 7, torch::kFloat32).view({3, 2})).sum().backward();
  EXPECT_TRUE(torch::equal(q.centroids.grad(), torch::tensor({4.0f, 10.0f})));
}

// The default divides each cluster's sum by its size (3 and 1 members here); the
// values are unchanged.
TEST(KMeansQuantizer, MeanGradientDividesEachClusterSumByItsSize) {
  torch::Tensor w = torch::tensor({-1.0f, 0.0f, -0.9f, -1.1f, 0.0f, 2.2f}).view({3, 2});
  KMeansQuantizerImpl q(w, 1);
  ASSERT_EQ(q.gradient, KMeansQuantizerImpl::CentroidGradient::mean);
  EXPECT_TRUE(torch::equal(q.assignment.flatten(), torch::tensor({0, -1, 0, 0, -1, 1}, torch::kInt64)));
  const torch::Tensor y = q.forward(w);
  EXPECT_TRUE(torch::allclose(y.detach().flatten(), torch::tensor({-1.0f, 0.0f, -1.0f, -1.0f, 0.0f, 2.2f})));
  (y * torch::arange(1, 7, torch::kFloat32).view({3, 2})).sum().backward();
  // cluster 0: (1 + 3 + 4) / 3; cluster 1: 6 / 1
  EXPECT_TRUE(torch::allclose(q.centroids.grad(), torch::tensor({8.0f / 3.0f, 6.0f})));
}

TEST(KMeansQuantizer, PackedBytesIsTheEncodedBufferAndDecodesToTheEffectiveWeights) {
  torch::manual_seed(2);
  torch::Tensor w = torch::randn({32, 16, 3, 3});
  w.mul_(magnitude_prune_mask(w, 0.7));
  KMeansQuantizerImpl q(w, 4);
  const std::vector<uint8_t> coded = q.encode();
  EXPECT_EQ(q.packed_bytes(w), int64_t(coded.size()));
  EXPECT_DOUBLE_EQ(q.bits_per_weight(), 8.0 * double(coded.size()) / double(w.numel()));
  // 30 % survivors, 4-bit indices, ~2-bit gaps: well under 3 bits a weight with everything.
  EXPECT_LT(q.bits_per_weight(), 3.0);
  const auto decoded = compression::dense_weights(compression::decode_shared_weights(coded.data(), coded.size()));
  const torch::Tensor effective = q.forward(w).detach().flatten().contiguous();
  ASSERT_EQ(int64_t(decoded.size()), effective.numel());
  EXPECT_TRUE(torch::equal(torch::tensor(decoded), effective));
  EXPECT_EQ((effective == 0).sum().item<int64_t>(), (w == 0).sum().item<int64_t>());
}
