// --sync-bn: BatchNorm statistics over the global batch (all ranks), so that N ranks with
// global batch B compute what 1 rank with batch B computes. The models call LibTorch's
// BatchNorm modules directly, so instead of swapping modules this intercepts aten::batch_norm
// at a dispatcher "mode" key that is switched on only inside a SyncBatchNormScope; in training
// mode the call becomes an autograd function that all-reduces the per-channel sums in forward
// (sum, sum of squares, count) and in backward (sum of dy, sum of dy * x_hat).
#pragma once

#include <c10/core/impl/LocalDispatchKeySet.h>

#include "train/distributed/communicator.h"

namespace ttq::train::dist {

class SyncBatchNormScope {
 public:
  // comm == nullptr or a world of 1: batch norm is left as it is.
  explicit SyncBatchNormScope(Communicator* comm);
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

 private:
  c10::impl::IncludeDispatchKeyGuard include_;
  Communicator* previous_;
};

}  // namespace ttq::train::dist
