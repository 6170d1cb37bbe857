#include "train/trainer/data_setup.h"

#include "common/error.h"

namespace ttq::train {
namespace {

// The first `limit` images of a data set (tiny runs in tests and smoke jobs).
class PrefixDataset : public data::Dataset {
 public:
  PrefixDataset(std::shared_ptr<data::Dataset> base, size_t limit) : base_(std::move(base)), n_(std::min(limit, base_->size())) {}
  size_t size() const override { return n_; }
  data::ImageShape shape() const override { return base_->shape(); }
  int num_classes() const override { return base_->num_classes(); }
  int label(size_t i) const override { return base_->label(i); }
  void read_image(size_t i, uint8_t* out) const override { base_->read_image(i, out); }
  std::string describe() const override { return base_->describe() + ", first " + std::to_string(n_); }

 private:
  std::shared_ptr<data::Dataset> base_;
  size_t n_;
};

std::shared_ptr<data::Dataset> open_limited(const std::string& name, const std::string& path, bool train, int64_t limit) {
  std::shared_ptr<data::Dataset> d = data::open_dataset(name, path, train);
  if (limit > 0) d = std::make_shared<PrefixDataset>(d, size_t(limit));
  return d;
}

}  // namespace

std::shared_ptr<data::Dataset> open_test_data(const TrainConfig& cfg, const std::string& data_path, int64_t limit) {
  return open_limited(cfg.dataset, data_path, false, limit);
}

TrainData open_train_data(const TrainConfig& cfg) {
  TrainData d;
  d.train = open_limited(cfg.dataset, cfg.data_path, true, cfg.train_limit);
  d.test = open_limited(cfg.dataset, cfg.data_path, false, cfg.test_limit);
  const auto s = d.train->shape();
  if (s.channels != d.test->shape().channels || s.height != d.test->shape().height || s.width != d.test->shape().width) {
    throw ShapeError("train and test images of '" + cfg.dataset + "' differ in shape");
  }
  d.input_shape = {s.channels, s.height, s.width};
  d.num_classes = cfg.num_classes > 0 ? cfg.num_classes : d.train->num_classes();
  d.norm = normalization_for(cfg.dataset, s.channels);
  auto& o = d.train_options;
  o.batch_size = cfg.batch_size;
  o.shuffle = true;
  o.seed = cfg.seed;
  o.drop_last = true;
  o.pad = cfg.pad;
  o.hflip = cfg.hflip;
  o.mean = d.norm.mean;
  o.std = d.norm.std;
  o.workers = cfg.workers;
  return d;
}

}  // namespace ttq::train
