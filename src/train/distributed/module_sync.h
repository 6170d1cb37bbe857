// Whole-model collectives: rank 0's parameters and buffers to everyone (at the start, so all
// ranks begin from the same weights whatever their seeds), and sums of small metric vectors.
#pragma once

#include <vector>

#include "train/distributed/communicator.h"

namespace torch::nn { class Module; }

namespace ttq::train::dist {

// Parameters and buffers (BatchNorm running statistics, counters) of `root` to all ranks.
void broadcast_module_state(Communicator& comm, torch::nn::Module& module, int root = 0);
// Buffers only (e.g. per-rank BatchNorm statistics before evaluation and checkpoints).
void broadcast_module_buffers(Communicator& comm, torch::nn::Module& module, int root = 0);
// Element-wise sum over the ranks, in double precision.
std::vector<double> allreduce_sum(Communicator& comm, const std::vector<double>& values, const std::string& what);

}  // namespace ttq::train::dist
