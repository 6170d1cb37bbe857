#include "train/distributed/gradient_sync.h"

#include <torch/torch.h>

namespace ttq::train::dist {

GradientSync::GradientSync(Communicator& comm, std::vector<at::Tensor> params, size_t bucket_bytes) : comm_(comm) {
  for (auto& p : params)
    if (p.requires_grad()) params_.push_back(p);
  grads_.resize(params_.size());
  bucket_of_.resize(params_.size());
  size_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    const size_t b = size_t(p.numel()) * p.element_size();
    const bool new_bucket = buckets_.empty() || bytes + b > bucket_bytes ||
                            params_[buckets_.back().members.front()].scalar_type() != p.scalar_type();
    if (new_bucket) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().members.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    bytes += b;
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    hook_ids_.push_back(params_[k].register_hook([this, k](const at::Tensor& g) { on_gradient(k, g); }));
  }
}

GradientSync::~GradientSync() {
  for (size_t k = 0; k < hook_ids_.size(); ++k) params_[k].remove_hook(hook_ids_[k]);
}

void GradientSync::begin_step() {
  for (auto& g : grads_) g = at::Tensor();
  for (auto& b : buckets_) {
    b.ready = 0;
    b.flat = at::Tensor();
    b.pending.reset();
  }
  next_launch_ = 0;
}

void GradientSync::on_gradient(size_t index, const at::Tensor& grad) {
  if (grads_[index].defined()) {
    grads_[index] = grads_[index] + grad;  // used twice in one graph (hooks normally fire once)
    return;
  }
  grads_[index] = grad;
  ++buckets_[bucket_of_[index]].ready;
  launch_ready_in_order();
}

void GradientSync::launch_ready_in_order() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].members.size()) {
    launch(next_launch_++);
  }
}

void GradientSync::launch(size_t bucket) {
  Bucket& b = buckets_[bucket];
  std::vector<at::Tensor> parts;
  parts.reserve(b.members.size());
  for (size_t k : b.members) {
    const auto& g = grads_[k];
    parts.push_back(g.defined() ? g.detach().reshape({-1}) : torch::zeros({params_[k].numel()}, params_[k].options()));
  }
  b.flat = torch::cat(parts).contiguous();
  b.pending = comm_.allreduce_sum_async(b.flat, "gradient allreduce (bucket " + std::to_string(bucket) + ")");
}

void GradientSync::finish_step() {
  torch::NoGradGuard no_grad;
  while (next_launch_ < buckets_.size()) launch(next_launch_++);
  const double inv_world = 1.0 / comm_.world_size();
  for (auto& b : buckets_) {
    comm_.wait(*b.pending);
    b.flat.mul_(inv_world);
    int64_t offset = 0;
    for (size_t k : b.members) {
      auto& p = params_[k];
      auto avg = b.flat.narrow(0, offset, p.numel()).view(p.sizes());
      offset += p.numel();
      if (p.grad().defined()) {
        p.mutable_grad().copy_(avg);
      } else {
        p.mutable_grad() = avg.clone();
      }
    }
  }
}

}  // namespace ttq::train::dist
