#include "train/distributed/module_sync.h"

#include <map>

#include <torch/torch.h>

namespace ttq::train::dist {
namespace {

// One flat broadcast per dtype (a collective takes one tensor per device).
void broadcast_tensors(Communicator& comm, const std::vector<torch::Tensor>& tensors, int root, const std::string& what) {
  torch::NoGradGuard no_grad;
  std::map<c10::ScalarType, std::vector<torch::Tensor>> by_type;
  for (const auto& t : tensors)
    if (t.defined() && t.numel() > 0) by_type[t.scalar_type()].push_back(t);
  for (auto& [type, group] : by_type) {
    std::vector<torch::Tensor> flat_parts;
    for (const auto& t : group) flat_parts.push_back(t.detach().reshape({-1}));
    auto flat = torch::cat(flat_parts).contiguous();
    comm.broadcast(flat, root, what);
    int64_t offset = 0;
    for (auto& t : group) {
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace

void broadcast_module_state(Communicator& comm, torch::nn::Module& module, int root) {
  auto tensors = module.parameters();
  for (const auto& b : module.buffers()) tensors.push_back(b);
  broadcast_tensors(comm, tensors, root, "broadcast of rank " + std::to_string(root) + "'s initial weights");
}

void broadcast_module_buffers(Communicator& comm, torch::nn::Module& module, int root) {
  broadcast_tensors(comm, module.buffers(), root, "broadcast of rank " + std::to_string(root) + "'s buffers");
}

std::vector<double> allreduce_sum(Communicator& comm, const std::vector<double>& values, const std::string& what) {
  auto t = torch::tensor(values, torch::kDouble);
  comm.allreduce_sum(t, what);
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

}  // namespace ttq::train::dist
