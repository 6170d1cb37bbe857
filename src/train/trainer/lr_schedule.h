// Learning rate as a pure function of (epoch, step): resuming needs no state.
#pragma once

#include "train/trainer/train_config.h"

namespace ttq::train {

// progress_in_epoch in [0, 1). Linear warm-up over cfg.warmup_epochs, then
// "constant", "step" (x gamma at each milestone) or "cosine" (to 0 at the end).
double learning_rate(const TrainConfig& cfg, int epoch, double progress_in_epoch);

}  // namespace ttq::train
