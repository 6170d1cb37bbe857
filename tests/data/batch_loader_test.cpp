#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <set>

#include "common/error.h"
#include "data/batch_loader.h"

namespace ttq::data {
namespace {

// In-memory dataset: image i is 3x8x8 with pixel 0 of channel 0 = i (so a batch reveals which
// samples it holds) and a pattern elsewhere. Optionally throws FormatError for one index.
class FakeDataset : public Dataset {
 public:
  explicit FakeDataset(size_t n, size_t bad = SIZE_MAX) : n_(n), bad_(bad) {}
  size_t size() const override { return n_; }
  ImageShape shape() const override { return {3, 8, 8}; }
  int num_classes() const override { return 7; }
  int label(size_t i) const override { return int(i % 7); }
  void read_image(size_t i, uint8_t* out) const override {
    if (i == bad_) throw FormatError("fake: image " + std::to_string(i) + " is broken");
    reads_++;
    for (size_t b = 0; b < shape().bytes(); ++b) out[b] = uint8_t((i * 31 + b * 7) % 251);
    out[0] = uint8_t(i);
  }
  std::string describe() const override { return "fake"; }
  mutable std::atomic<size_t> reads_{0};

 private:
  size_t n_, bad_;
};

// Sample index of each image in a batch, read back from pixel 0 (no augmentation, mean 0, std 1/255).
std::vector<size_t> indices_of(const Batch& b) {
  std::vector<size_t> idx;
  const size_t per = b.shape.bytes();
  for (int k = 0; k < b.n; ++k) idx.push_back(size_t(std::lround(b.images[size_t(k) * per])));
  return idx;
}

BatchLoaderOptions plain(int batch_size) {
  BatchLoaderOptions o;
  o.batch_size = batch_size;
  o.std = {1.0f / 255.0f};
  return o;
}

std::vector<Batch> whole_epoch(BatchLoader& loader, int64_t epoch, size_t first_batch = 0) {
  loader.start_epoch(epoch, first_batch);
  std::vector<Batch> batches;
  Batch b;
  while (loader.next(b)) batches.push_back(b);
  return batches;
}

std::vector<size_t> epoch_order(BatchLoader& loader, int64_t epoch) {
  std::vector<size_t> order;
  for (const Batch& b : whole_epoch(loader, epoch)) {
    auto idx = indices_of(b);
    order.insert(order.end(), idx.begin(), idx.end());
  }
  return order;
}

TEST(BatchLoader, UnshuffledBatchesInDatasetOrderWithLabels) {
  FakeDataset ds(23);
  BatchLoader loader(ds, plain(5));
  auto batches = whole_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_EQ(loader.batches_per_epoch(), 5u);
  EXPECT_EQ(batches[4].n, 3);
  EXPECT_EQ(batches[4].images.size(), 3u * 3 * 8 * 8);
  EXPECT_EQ(indices_of(batches[1]), (std::vector<size_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(batches[1].labels, (std::vector<int64_t>{5, 6, 0, 1, 2}));
  // Pixel values are normalised exactly: (p / 255 - 0) / (1 / 255) = p.
  std::vector<uint8_t> raw(ds.shape().bytes());
  ds.read_image(7, raw.data());
  for (size_t b = 0; b < raw.size(); ++b) ASSERT_NEAR(batches[1].images[2 * raw.size() + b], raw[b], 1e-3);
}

TEST(BatchLoader, DropLastDropsThePartialBatch) {
  FakeDataset ds(23);
  BatchLoaderOptions o = plain(5);
  o.drop_last = true;
  BatchLoader loader(ds, o);
  auto batches = whole_epoch(loader, 0);
  EXPECT_EQ(batches.size(), 4u);
  EXPECT_EQ(loader.batches_per_epoch(), 4u);
  for (const Batch& b : batches) EXPECT_EQ(b.n, 5);
}

TEST(BatchLoader, ShuffleIsAReproduciblePermutationPerEpoch) {
  FakeDataset ds(23);
  BatchLoaderOptions o = plain(4);
  o.shuffle = true;
  o.seed = 99;
  BatchLoader loader(ds, o);
  auto e1 = epoch_order(loader, 1);
  auto sorted = e1;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < 23; ++i) ASSERT_EQ(sorted[i], i) << "every sample exactly once";
  EXPECT_EQ(e1, epoch_order(loader, 1));
  EXPECT_NE(e1, epoch_order(loader, 2));
  BatchLoader fresh(ds, o);  // a new process resuming at epoch 1 sees the same order
  EXPECT_EQ(e1, epoch_order(fresh, 1));
}

TEST(BatchLoader, WorkersYieldTheSameBatchesAsASynchronousRun) {
  FakeDataset ds(50);
  BatchLoaderOptions o;
  o.batch_size = 6;
  o.shuffle = true;
  o.seed = 3;
  o.pad = 2;
  o.hflip = true;
  o.mean = {0.4f, 0.5f, 0.6f};
  o.std = {0.2f, 0.25f, 0.3f};
  BatchLoader sync(ds, o);
  o.workers = 3;
  o.prefetch = 2;
  BatchLoader async(ds, o);
  for (int64_t epoch : {0, 1}) {
    auto a = whole_epoch(sync, epoch), b = whole_epoch(async, epoch);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].n, b[i].n);
      EXPECT_EQ(a[i].labels, b[i].labels);
      EXPECT_EQ(a[i].images, b[i].images) << "epoch " << epoch << " batch " << i;
    }
  }
  // Augmentation really happened: an epoch differs from the next in pixels, not only order.
  auto e0 = whole_epoch(sync, 0);
  BatchLoaderOptions no_aug = o;
  no_aug.pad = 0;
  no_aug.hflip = false;
  no_aug.workers = 0;
  BatchLoader plain_loader(ds, no_aug);
  auto p0 = whole_epoch(plain_loader, 0);
  EXPECT_EQ(e0[0].labels, p0[0].labels);
  EXPECT_NE(e0[0].images, p0[0].images);
}

TEST(BatchLoader, ResumingMidEpochSkipsWithoutDecoding) {
  FakeDataset ds(30);
  BatchLoaderOptions o = plain(4);
  o.shuffle = true;
  o.workers = 2;
  BatchLoader loader(ds, o);
  auto full = whole_epoch(loader, 5);
  ds.reads_ = 0;
  auto tail = whole_epoch(loader, 5, 3);
  ASSERT_EQ(tail.size(), full.size() - 3);
  for (size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i].images, full[i + 3].images);
  EXPECT_EQ(ds.reads_.load(), 30u - 12u);
}

TEST(BatchLoader, RestartingAnEpochMidwayIsSafe) {
  FakeDataset ds(200);
  BatchLoaderOptions o = plain(8);
  o.workers = 2;
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  auto again = whole_epoch(loader, 0);  // abandons the running epoch
  EXPECT_EQ(again.size(), 25u);
  EXPECT_EQ(indices_of(again[0]), indices_of(b));
  loader.start_epoch(1);  // destroyed with workers running: must not hang
}

TEST(BatchLoader, ShardsSplitEachEpochDisjointly) {
  FakeDataset ds(22);
  BatchLoaderOptions o = plain(3);
  o.shuffle = true;
  o.seed = 11;
  for (bool drop_last : {true, false}) {
    o.drop_last = drop_last;
    std::multiset<size_t> all;
    size_t per_rank = 0;
    for (int r = 0; r < 4; ++r) {
      o.workers = r % 2;
      BatchLoader loader(ds, o);
      loader.shard(r, 4);
      loader.start_epoch(2);
      auto mine = epoch_order(loader, 2);
      if (r == 0) per_rank = loader.samples_per_epoch();
      EXPECT_EQ(loader.samples_per_epoch(), per_rank);
      all.insert(mine.begin(), mine.end());
    }
    std::set<size_t> distinct(all.begin(), all.end());
    if (drop_last) {
      EXPECT_EQ(per_rank, 5u);       // 22 / 4, remainder dropped
      EXPECT_EQ(all.size(), 12u);  // and each rank drops its partial batch (5 -> 3)
      EXPECT_EQ(distinct.size(), all.size()) << "a sample on two ranks";
    } else {
      EXPECT_EQ(per_rank, 6u);  // 22 / 4 rounded up, 2 positions wrap around
      EXPECT_EQ(all.size(), 24u);
      EXPECT_EQ(distinct.size(), 22u);
    }
  }
}

TEST(BatchLoader, SubsetForTinyRuns) {
  FakeDataset ds(40);
  BatchLoaderOptions o = plain(100);
  o.subset_count = 5;
  o.subset_stride = 3;
  BatchLoader loader(ds, o);
  EXPECT_EQ(epoch_order(loader, 0), (std::vector<size_t>{0, 3, 6, 9, 12}));
  o.shuffle = true;
  BatchLoader shuffled(ds, o);
  auto order = epoch_order(shuffled, 0);
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<size_t>{0, 3, 6, 9, 12}));
}

TEST(BatchLoader, WorkerErrorsReachTheConsumer) {
  FakeDataset ds(20, 13);
  BatchLoaderOptions o = plain(4);
  o.workers = 2;
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  Batch b;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(loader.next(b));
  EXPECT_THROW(loader.next(b), FormatError);  // batch 3 holds sample 13
  EXPECT_TRUE(loader.next(b));
  EXPECT_EQ(indices_of(b), (std::vector<size_t>{16, 17, 18, 19}));
}

TEST(BatchLoader, BadOptionsAreArgumentErrors) {
  FakeDataset ds(5);
  BatchLoaderOptions o = plain(0);
  EXPECT_THROW(BatchLoader(ds, o), ArgumentError);
  o = plain(2);
  o.mean = {0.1f, 0.2f};
  EXPECT_THROW(BatchLoader(ds, o), ArgumentError);
  BatchLoader ok(ds, plain(2));
  EXPECT_THROW(ok.shard(2, 2), ArgumentError);
}

}  // namespace
}  // namespace ttq::data
