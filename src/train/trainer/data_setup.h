// Opens the train and test sets a TrainConfig names, with their loader options.
#pragma once

#include <array>
#include <memory>

#include "data/batch_loader.h"
#include "data/dataset.h"
#include "train/trainer/normalization.h"
#include "train/trainer/train_config.h"

namespace ttq::train {

struct TrainData {
  std::shared_ptr<data::Dataset> train, test;
  std::array<int64_t, 3> input_shape{};
  int num_classes = 0;
  Normalization norm;
  data::BatchLoaderOptions train_options;  // shuffled, augmented, seeded
};

TrainData open_train_data(const TrainConfig& cfg);
// The test split only (for `ttq eval`), limited to `limit` images when > 0.
std::shared_ptr<data::Dataset> open_test_data(const TrainConfig& cfg, const std::string& data_path, int64_t limit);

}  // namespace ttq::train
