// Averages every parameter gradient over the ranks (TTQ's Wp/Wn included: whatever has a
// grad), the way DistributedDataParallel does: parameters are grouped into buckets in
// reverse order (roughly the order backward produces them); a hook on each parameter marks
// its gradient ready, and a full bucket is flattened and all-reduced asynchronously while
// backward goes on. Buckets are launched strictly in index order so that every rank issues
// the same collectives in the same order.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "train/distributed/communicator.h"

namespace ttq::train::dist {

class GradientSync {
 public:
  // params: the model's parameters, in registration order. Hooks are removed on destruction.
  GradientSync(Communicator& comm, std::vector<at::Tensor> params, size_t bucket_bytes = size_t(1) << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Call before backward (forgets the last step's gradients).
  void begin_step();
  // Call after backward: launches what is left (missing gradients count as zeros), waits,
  // and writes the average into each parameter's .grad.
  void finish_step();

  size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into params_
    size_t ready = 0;
    at::Tensor flat;
    std::shared_ptr<Communicator::Pending> pending;
  };
  void on_gradient(size_t index, const at::Tensor& grad);
  void launch(size_t bucket);
  void launch_ready_in_order();

  Communicator& comm_;
  std::vector<at::Tensor> params_;
  std::vector<unsigned> hook_ids_;
  std::vector<at::Tensor> grads_;  // this step's local gradient per parameter (undefined: not yet)
  std::vector<size_t> bucket_of_;
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
};

}  // namespace ttq::train::dist
