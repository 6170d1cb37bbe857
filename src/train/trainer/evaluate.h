// Top-1 / top-5 accuracy and mean loss of a network on a data set.
#pragma once

#include <c10/core/Device.h>

#include "data/dataset.h"
#include "train/trainer/normalization.h"

namespace ttq::train {

class Network;

struct EvalResult {
  double top1 = 0, top5 = 0, loss = 0;
  int64_t count = 0;
  double seconds = 0;
};

EvalResult evaluate(Network& net, const data::Dataset& data, const Normalization& norm, int batch_size,
                    c10::Device device, int workers = 2);

}  // namespace ttq::train
