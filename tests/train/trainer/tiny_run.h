// The run config the training tests share: ResNet-20 on the tiny MNIST of
// tiny_idx.h, one epoch of batch 16, one compute thread and one loader thread.
#pragma once

#include <cstdint>
#include <string>

#include "train/trainer/train_config.h"

namespace ttq::test {

inline train::TrainConfig tiny_run_config(const std::string& data_path, uint64_t seed, double lr, int epochs = 1) {
  train::TrainConfig c;
  c.model = "resnet20";
  c.dataset = "mnist";
  c.data_path = data_path;
  c.epochs = epochs;
  c.batch_size = 16;
  c.lr = lr;
  c.threads = 1;
  c.workers = 1;
  c.seed = seed;
  return c;
}

}  // namespace ttq::test
