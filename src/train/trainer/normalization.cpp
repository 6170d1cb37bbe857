#include "train/trainer/normalization.h"

#include "common/error.h"

namespace ttq::train {

Normalization normalization_for(const std::string& dataset, int channels) {
  Normalization n;
  if (dataset == "mnist") {
    n = {{0.1307f}, {0.3081f}};
  } else if (dataset == "fashion-mnist") {
    n = {{0.2860f}, {0.3530f}};
  } else if (dataset == "cifar10") {
    n = {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
  } else if (dataset == "cifar100") {
    n = {{0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}};
  } else {
    n = {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  }
  if (int(n.mean.size()) != channels) {
    // Same statistic for every channel when the counts differ (e.g. grayscale ImageFolder).
    const float m = n.mean[0], s = n.std[0];
    n.mean.assign(channels, m);
    n.std.assign(channels, s);
  }
  return n;
}

}  // namespace ttq::train
