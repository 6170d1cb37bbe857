// This rank's link to the others: rendezvous through c10d::TCPStore, then a c10d process
// group (Gloo on CPU; NCCL for CUDA tensors where the LibTorch has it). One flat tensor per
// collective. Every failure becomes a DistributedError naming this rank and the operation.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "train/distributed/dist_env.h"

namespace ttq::train::dist {

class Communicator {
 public:
  // A collective in flight; finish with Communicator::wait.
  struct Pending;

  // Blocks until all world_size ranks have joined (or throws DistributedError after timeout).
  static std::unique_ptr<Communicator> connect(const DistEnv& env, std::chrono::seconds timeout, c10::Device device);
  ~Communicator();

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  std::chrono::seconds timeout() const { return timeout_; }

  // Sum over ranks, in place. `what` names the operation in error messages.
  std::shared_ptr<Pending> allreduce_sum_async(at::Tensor flat, const std::string& what);
  void wait(Pending& pending);
  void allreduce_sum(at::Tensor flat, const std::string& what);
  void broadcast(at::Tensor flat, int root, const std::string& what);
  void barrier(const std::string& what);

  // The first failure seen (empty if none): errors raised inside autograd hooks lose
  // their type, so the trainer asks here what really happened.
  const std::string& failure() const { return failure_; }
  // Throws DistributedError for an exception caught during a collective.
  [[noreturn]] void fail(const std::string& what, const std::exception& e);

 private:
  struct Impl;
  Communicator(std::unique_ptr<Impl> impl, int rank, int world, std::chrono::seconds timeout);
  std::unique_ptr<Impl> impl_;
  int rank_, world_;
  std::chrono::seconds timeout_;
  std::string failure_;
};

}  // namespace ttq::train::dist
