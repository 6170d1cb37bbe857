// Mini-batches of normalised float images (NCHW) from a Dataset, torch-free.
// Order, augmentation and sharding are pure functions of (seed, epoch, sample index), so a
// resumed run sees exactly the batches it would have seen. Background workers decode
// ahead of the consumer into a bounded queue; batches still come out in order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/transforms.h"

namespace ttq::data {

struct BatchLoaderOptions {
  int batch_size = 64;
  bool shuffle = false;
  uint64_t seed = 0;
  bool drop_last = false;     // drop the last partial batch (and, when sharded, the remainder)
  int pad = 0;                // random crop from the image zero-padded by `pad` (e.g. 4 for CIFAR)
  bool hflip = false;         // random horizontal flip
  std::vector<float> mean;    // per channel (or one for all); empty = 0
  std::vector<float> std;     // per channel (or one for all); empty = 1
  int workers = 0;            // background decoding threads; 0 = decode inside next()
  int prefetch = 4;           // batches decoded ahead at most (bounded queue)
  size_t subset_count = 0;    // > 0: keep only this many samples (for tiny runs)
  size_t subset_stride = 1;   // keep samples 0, stride, 2*stride, ...
};

struct Batch {
  int n = 0;
  ImageShape shape;              // of one image
  std::vector<float> images;     // n * C * H * W, normalised, NCHW
  std::vector<int64_t> labels;   // n
};

class BatchLoader {
 public:
  // The dataset must outlive the loader. Throws ArgumentError on bad options.
  BatchLoader(const Dataset& dataset, BatchLoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Data-parallel training: this loader yields rank's disjoint share of each epoch
  // (positions rank, rank + world, ... of the epoch's order). Takes effect at the next start_epoch.
  void shard(int rank, int world_size);

  // Starts an epoch (stopping any running one). first_batch > 0 skips that many batches
  // without decoding them, for resuming mid-epoch.
  void start_epoch(int64_t epoch, size_t first_batch = 0);

  // The next batch of the epoch into out; false once the epoch is exhausted.
  // Rethrows a worker's FileError/FormatError (e.g. an undecodable image) here.
  bool next(Batch& out);

  size_t samples_per_epoch() const;  // on this rank, before drop_last drops a partial batch
  size_t batches_per_epoch() const;
  const BatchLoaderOptions& options() const { return options_; }

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };
  void build_batch(size_t b, Batch& out) const;
  void worker_loop();
  void stop_workers();
  std::vector<size_t> epoch_indices(int64_t epoch) const;

  const Dataset& dataset_;
  BatchLoaderOptions options_;
  Normalization norm_;
  std::vector<size_t> subset_;  // dataset indices kept by subset_count / subset_stride
  int rank_ = 0, world_ = 1;
  bool started_ = false;

  // The current epoch (read-only while workers run).
  int64_t epoch_ = 0;
  std::vector<size_t> indices_;  // dataset indices of this rank's epoch, in order
  size_t total_batches_ = 0;

  // Shared with the workers, under mutex_.
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  size_t next_to_claim_ = 0, next_to_deliver_ = 0;
  std::map<size_t, Slot> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ttq::data
