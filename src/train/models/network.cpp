#include "train/models/network.h"

#include "common/error.h"

namespace ttq::train {

Network::Network(std::string arch_name, const ModelOptions& o) : arch(std::move(arch_name)), options(o) {
  options.small_input = o.use_small_input();
}

void Network::check_channels(const std::array<int64_t, 3>& s) const {
  if (s[0] != options.in_channels) {
    throw ShapeError(arch + " was built for " + std::to_string(options.in_channels) + " input channels, got " +
                         std::to_string(s[0]),
                     "describe the model with the input shape it was built for");
  }
}

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace ttq::train
