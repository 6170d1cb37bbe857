// One rank's share of a data set for evaluation: images rank, rank + world, ... Every image
// is in exactly one share, so summed counts over the ranks equal a single-rank evaluation.
#pragma once

#include <string>

#include "data/dataset.h"

namespace ttq::train::dist {

class DatasetShard : public data::Dataset {
 public:
  DatasetShard(const data::Dataset& base, int rank, int world) : base_(base), rank_(size_t(rank)), world_(size_t(world)) {}
  size_t size() const override { return base_.size() > rank_ ? (base_.size() - rank_ + world_ - 1) / world_ : 0; }
  data::ImageShape shape() const override { return base_.shape(); }
  int num_classes() const override { return base_.num_classes(); }
  int label(size_t i) const override { return base_.label(rank_ + i * world_); }
  void read_image(size_t i, uint8_t* out) const override { base_.read_image(rank_ + i * world_, out); }
  std::string describe() const override {
    return base_.describe() + " (shard " + std::to_string(rank_) + " of " + std::to_string(world_) + ")";
  }

 private:
  const data::Dataset& base_;
  size_t rank_, world_;
};

}  // namespace ttq::train::dist
