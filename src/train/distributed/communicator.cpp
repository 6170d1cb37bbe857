#include "train/distributed/communicator.h"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#if defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "common/error.h"
#include "train/distributed/dist_error.h"

namespace ttq::train::dist {

// LibTorch 2.x split the process group into ProcessGroup (a front) and Backend (Gloo, NCCL);
// in 1.13 the backends derive from ProcessGroup itself. Both have the same collectives.
#if TORCH_VERSION_MAJOR >= 2
using BackendBase = c10d::Backend;
#else
using BackendBase = c10d::ProcessGroup;
#endif

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<BackendBase> group;
};

struct Communicator::Pending {
  c10::intrusive_ptr<c10d::Work> work;
  std::string what;
};

namespace {

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const DistEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  // All ranks on this machine: loopback is always there. Otherwise the address the
  // machine's hostname resolves to (set GLOO_SOCKET_IFNAME when that is the wrong one).
  if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost") {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

Communicator::Communicator(std::unique_ptr<Impl> impl, int rank, int world, std::chrono::seconds timeout)
    : impl_(std::move(impl)), rank_(rank), world_(world), timeout_(timeout) {}

Communicator::~Communicator() {
  // After a failure a Gloo worker may still be blocked on a dead peer; joining it could
  // take another timeout. The process is about to exit: leave the objects behind.
  if (!failure_.empty() && impl_) {
    impl_->group.release();
    impl_->store.release();
    (void)impl_.release();
  }
}

std::unique_ptr<Communicator> Communicator::connect(const DistEnv& env, std::chrono::seconds timeout,
                                                    c10::Device device) {
  auto impl = std::make_unique<Impl>();
  const std::string where = "rank " + std::to_string(env.rank) + "/" + std::to_string(env.world_size);
  try {
    c10d::TCPStoreOptions so;
    so.port = uint16_t(env.master_port);
    so.isServer = env.rank == 0;
    so.numWorkers = size_t(env.world_size);
    so.waitWorkers = true;
    so.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw DistributedError(where + ": rendezvous at " + env.master_addr + ":" + std::to_string(env.master_port) +
                           " failed within " + std::to_string(timeout.count()) + " s: " + first_line(e.what()) +
                           " (did every rank start? is MASTER_ADDR:MASTER_PORT reachable?)");
  }
  try {
    if (device.is_cuda()) {
#if defined(USE_C10D_NCCL)
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, env.rank, env.world_size, opts);
#else
      throw ArgumentError("this LibTorch has no NCCL process group, so CUDA ranks cannot talk",
                          "use --device cpu, or a LibTorch built with NCCL (and -DTTQ_WITH_NCCL=ON)");
#endif
    } else {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      opts->devices.push_back(gloo_device(env));
      impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, opts);
    }
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistributedError(where + ": cannot connect the process group: " + first_line(e.what()));
  }
  return std::unique_ptr<Communicator>(new Communicator(std::move(impl), env.rank, env.world_size, timeout));
}

void Communicator::fail(const std::string& what, const std::exception& e) {
  const std::string msg = "rank " + std::to_string(rank_) + "/" + std::to_string(world_) + ": " + what +
                          " failed: " + first_line(e.what()) + " (another rank died or did not answer within " +
                          std::to_string(timeout_.count()) + " s, see --dist-timeout; the job stops)";
  if (failure_.empty()) failure_ = msg;
  throw DistributedError(failure_);
}

std::shared_ptr<Communicator::Pending> Communicator::allreduce_sum_async(at::Tensor flat, const std::string& what) {
  auto p = std::make_shared<Pending>();
  p->what = what;
  try {
    std::vector<at::Tensor> ts{std::move(flat)};
    p->work = impl_->group->allreduce(ts);
  } catch (const std::exception& e) {
    fail(what, e);
  }
  return p;
}

void Communicator::wait(Pending& pending) {
  try {
    pending.work->wait();
  } catch (const std::exception& e) {
    fail(pending.what, e);
  }
}

void Communicator::allreduce_sum(at::Tensor flat, const std::string& what) {
  auto p = allreduce_sum_async(std::move(flat), what);
  wait(*p);
}

void Communicator::broadcast(at::Tensor flat, int root, const std::string& what) {
  try {
    std::vector<at::Tensor> ts{std::move(flat)};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    impl_->group->broadcast(ts, o)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void Communicator::barrier(const std::string& what) {
  try {
    impl_->group->barrier()->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

}  // namespace ttq::train::dist
