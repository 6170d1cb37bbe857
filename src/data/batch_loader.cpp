#include "data/batch_loader.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"
#include "data/epoch_order.h"

namespace ttq::data {

BatchLoader::BatchLoader(const Dataset& dataset, BatchLoaderOptions options)
    : dataset_(dataset), options_(std::move(options)) {
  if (options_.batch_size <= 0)
    throw ArgumentError("batch size " + std::to_string(options_.batch_size) + " must be positive");
  if (options_.workers < 0) throw ArgumentError("data workers " + std::to_string(options_.workers) + " < 0");
  if (options_.prefetch <= 0) throw ArgumentError("prefetch " + std::to_string(options_.prefetch) + " must be positive");
  if (options_.pad < 0) throw ArgumentError("crop padding " + std::to_string(options_.pad) + " < 0");
  if (options_.subset_stride == 0) throw ArgumentError("subset stride must be at least 1");
  norm_.mean = options_.mean;
  norm_.std = options_.std;
  validate_normalization(norm_, dataset_.shape().channels);
  subset_ = subset_indices(dataset_.size(), options_.subset_count, options_.subset_stride);
}

BatchLoader::~BatchLoader() { stop_workers(); }

void BatchLoader::shard(int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw ArgumentError("bad data shard: rank " + std::to_string(rank) + " of world size " +
                        std::to_string(world_size), "need 0 <= rank < world size");
  rank_ = rank;
  world_ = world_size;
}

std::vector<size_t> BatchLoader::epoch_indices(int64_t epoch) const {
  std::vector<size_t> order = subset_;
  if (options_.shuffle) {
    std::vector<size_t> perm = epoch_permutation(subset_.size(), options_.seed, epoch);
    for (size_t k = 0; k < perm.size(); ++k) order[k] = subset_[perm[k]];
  }
  return shard_of(order, rank_, world_, options_.drop_last);
}

size_t BatchLoader::samples_per_epoch() const {
  const size_t n = subset_.size(), w = size_t(world_);
  return options_.drop_last ? n / w : (n + w - 1) / w;
}

size_t BatchLoader::batches_per_epoch() const {
  const size_t n = samples_per_epoch(), bs = size_t(options_.batch_size);
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

void BatchLoader::start_epoch(int64_t epoch, size_t first_batch) {
  stop_workers();
  epoch_ = epoch;
  indices_ = epoch_indices(epoch);
  total_batches_ = batches_per_epoch();
  next_to_claim_ = next_to_deliver_ = std::min(first_batch, total_batches_);
  done_.clear();
  stopping_ = false;
  started_ = true;
  for (int t = 0; t < options_.workers; ++t) threads_.emplace_back([this] { worker_loop(); });
}

void BatchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  space_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void BatchLoader::build_batch(size_t b, Batch& out) const {
  const ImageShape shape = dataset_.shape();
  const size_t first = b * size_t(options_.batch_size);
  const size_t n = std::min(size_t(options_.batch_size), indices_.size() - first);
  const size_t image_floats = shape.bytes();
  const AugmentOptions augment{options_.pad, options_.hflip};
  const bool augmenting = options_.pad > 0 || options_.hflip;
  out.n = int(n);
  out.shape = shape;
  out.images.resize(n * image_floats);
  out.labels.resize(n);
  std::vector<uint8_t> pixels(shape.bytes());
  for (size_t k = 0; k < n; ++k) {
    const size_t index = indices_[first + k];
    dataset_.read_image(index, pixels.data());
    const Augmentation aug = augmenting ? draw_augmentation(augment, options_.seed, epoch_, index)
                                        : identity_augmentation(options_.pad);
    augment_and_normalize(pixels.data(), shape, options_.pad, aug, norm_, out.images.data() + k * image_floats);
    out.labels[k] = dataset_.label(index);
  }
}

void BatchLoader::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // Claim the next batch, but stay at most `prefetch` batches ahead of the consumer.
    space_.wait(lock, [this] {
      return stopping_ || next_to_claim_ >= total_batches_ ||
             next_to_claim_ < next_to_deliver_ + size_t(options_.prefetch);
    });
    if (stopping_ || next_to_claim_ >= total_batches_) return;
    const size_t b = next_to_claim_++;
    lock.unlock();
    Slot slot;
    try {
      build_batch(b, slot.batch);
    } catch (...) {
      slot.error = std::current_exception();
    }
    lock.lock();
    done_[b] = std::move(slot);
    ready_.notify_all();
  }
}

bool BatchLoader::next(Batch& out) {
  if (!started_) throw std::logic_error("BatchLoader::next called before start_epoch");
  if (next_to_deliver_ >= total_batches_) return false;
  if (threads_.empty()) {
    build_batch(next_to_deliver_++, out);
    return true;
  }
  Slot slot;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return done_.count(next_to_deliver_) > 0; });
    auto it = done_.find(next_to_deliver_);
    slot = std::move(it->second);
    done_.erase(it);
    ++next_to_deliver_;
  }
  space_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  std::swap(out, slot.batch);
  return true;
}

}  // namespace ttq::data
