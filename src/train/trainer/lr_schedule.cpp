#include "train/trainer/lr_schedule.h"

#include <cmath>

#include "common/error.h"

namespace ttq::train {

double learning_rate(const TrainConfig& cfg, int epoch, double progress_in_epoch) {
  const double t = epoch + progress_in_epoch;  // epochs done, fractional
  if (cfg.warmup_epochs > 0 && t < cfg.warmup_epochs) return cfg.lr * (t + 1e-3) / cfg.warmup_epochs;
  if (cfg.schedule == "constant") return cfg.lr;
  if (cfg.schedule == "step") {
    double lr = cfg.lr;
    for (int m : cfg.milestones) {
      if (epoch >= m) lr *= cfg.gamma;
    }
    return lr;
  }
  if (cfg.schedule == "cosine") {
    const double span = std::max(1e-9, double(cfg.epochs - cfg.warmup_epochs));
    const double x = std::min(1.0, (t - cfg.warmup_epochs) / span);
    return 0.5 * cfg.lr * (1.0 + std::cos(M_PI * x));
  }
  throw ArgumentError("unknown --schedule '" + cfg.schedule + "'", "use cosine, step or constant");
}

}  // namespace ttq::train
