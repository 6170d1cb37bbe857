// 1-D k-means and the shared-weight layer codec (positions, indices, codebook).
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "train/quant/compression/compressed_model_file.h"
#include "train/quant/compression/kmeans_1d.h"
#include "train/quant/compression/shared_weight_codec.h"

using namespace ttq::train::compression;

TEST(KMeans1d, FindsThreeSeparatedGroups) {
  const std::vector<float> v = {-1.1f, -0.9f, -1.0f, 0.05f, -0.05f, 2.0f, 2.2f, 1.8f};
  const KMeans1d km = kmeans_1d(v, 3);
  ASSERT_EQ(km.centroids.size(), 3u);
  EXPECT_NEAR(km.centroids[0], -1.0f, 1e-6);
  EXPECT_NEAR(km.centroids[1], 0.0f, 1e-6);
  EXPECT_NEAR(km.centroids[2], 2.0f, 1e-6);
  EXPECT_EQ(km.assignment, (std::vector<int32_t>{0, 0, 0, 1, 1, 2, 2, 2}));
}

TEST(KMeans1d, LinearInitialisationSpansMinToMax) {
  // One Lloyd step from the linear init {0, 1, 2, 3}: each value is its own centroid.
  const KMeans1d km = kmeans_1d({0.0f, 1.0f, 2.0f, 3.0f}, 4);
  EXPECT_EQ(km.centroids, (std::vector<float>{0.0f, 1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(km.iterations, 1);
}

TEST(KMeans1d, EmptyClustersKeepTheirCentroid) {
  // Values at the two ends: the middle clusters of the linear init stay empty.
  const KMeans1d km = kmeans_1d({0.0f, 0.0f, 3.0f}, 4);
  EXPECT_EQ(km.centroids, (std::vector<float>{0.0f, 1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(km.assignment, (std::vector<int32_t>{0, 0, 3}));
}

TEST(SharedWeightCodec, RoundTripsSparseLayerWithLongGaps) {
  std::mt19937 rng(5);
  SharedWeightLayer layer;
  layer.centroids = {-0.5f, -0.1f, 0.2f, 0.7f};
  layer.assignment.assign(3000, -1);
  for (int i = 0; i < 3000; ++i)
    if (rng() % 4 == 0) layer.assignment[i] = int32_t(rng() % 4);
  for (int i = 1000; i < 1900; ++i) layer.assignment[i] = -1;  // a gap longer than 255 (escapes)
  layer.assignment[2999] = 3;
  const std::vector<uint8_t> bytes = encode_shared_weights(layer);
  const SharedWeightLayer back = decode_shared_weights(bytes.data(), bytes.size());
  EXPECT_EQ(back.centroids, layer.centroids);
  EXPECT_EQ(back.assignment, layer.assignment);
  const std::vector<float> dense = dense_weights(back);
  EXPECT_EQ(dense[1500], 0.0f);
  EXPECT_EQ(dense[2999], 0.7f);
  // 25 % density, 2-bit indices: far below 32 bits per weight.
  EXPECT_LT(bytes.size() * 8, layer.assignment.size() * 2);
}

TEST(SharedWeightCodec, AllPrunedAndTrailingZeros) {
  SharedWeightLayer layer;
  layer.centroids = {1.0f, 2.0f};
  layer.assignment = {-1, -1, -1};
  auto bytes = encode_shared_weights(layer);
  EXPECT_EQ(decode_shared_weights(bytes.data(), bytes.size()).assignment, layer.assignment);
  layer.assignment = {1, -1, -1};
  bytes = encode_shared_weights(layer);
  EXPECT_EQ(decode_shared_weights(bytes.data(), bytes.size()).assignment, layer.assignment);
}

TEST(SharedWeightCodec, CorruptBufferIsAFormatError) {
  SharedWeightLayer layer;
  layer.centroids = {1.0f, 2.0f};
  layer.assignment = {0, -1, 1, 1, -1, 0};
  std::vector<uint8_t> bytes = encode_shared_weights(layer);
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 1);
  EXPECT_THROW(decode_shared_weights(cut.data(), cut.size()), ttq::FormatError);
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(decode_shared_weights(longer.data(), longer.size()), ttq::FormatError);
  bytes[0] = 2;  // claims 2 weights: the positions run past them
  EXPECT_THROW(decode_shared_weights(bytes.data(), bytes.size()), ttq::FormatError);
}

TEST(CompressedModelFile, RoundTripsEntries) {
  SharedWeightLayer layer;
  layer.centroids = {-1.0f, 1.0f};
  layer.assignment = {0, -1, 1, -1, -1, 0};
  CompressedEntry coded{"conv.weight", EntryKind::shared_weights, {3, 2}, encode_shared_weights(layer)};
  const float bias[2] = {0.5f, -2.0f};
  CompressedEntry raw{"conv.bias", EntryKind::raw_fp32, {2}, {}};
  raw.bytes.assign(reinterpret_cast<const uint8_t*>(bias), reinterpret_cast<const uint8_t*>(bias) + 8);
  const auto file = serialize_compressed({coded, raw});
  const auto back = parse_compressed(file, "mem");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "conv.weight");
  EXPECT_EQ(back[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(entry_values(back[0]), (std::vector<float>{-1, 0, 1, 0, 0, -1}));
  EXPECT_EQ(entry_values(back[1]), (std::vector<float>{0.5f, -2.0f}));
  auto bad = file;
  bad[0] = 'X';
  EXPECT_THROW(parse_compressed(bad, "mem"), ttq::FormatError);
  bad = file;
  bad.pop_back();
  EXPECT_THROW(parse_compressed(bad, "mem"), ttq::FormatError);
}
