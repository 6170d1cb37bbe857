// A fixed set of worker threads created once per model. parallel_for hands out
// task indices dynamically; each task must write disjoint outputs, so results do
// not depend on how many threads there are or which one ran a task.
// Dispatch uses a plain function pointer + context so running allocates nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace ttq::runtime {

class ThreadPool {
 public:
  using TaskFn = void (*)(void* ctx, int task, int worker);

  explicit ThreadPool(int threads);  // threads >= 1; the calling thread is worker 0
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(ctx, t, worker) for t in [0, tasks); returns when all are done.
  void parallel_for(int tasks, TaskFn fn, void* ctx);

 private:
  void worker_loop(int worker);
  void drain(int worker);

  std::vector<std::thread> workers_;
  // Workers and the caller spin briefly before sleeping: a network runs one
  // parallel_for per layer, and a condition-variable wake-up per layer costs tens
  // of microseconds, as much as a small layer's work.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  // The job being run.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> busy_{0};  // workers still inside the current job
};

}  // namespace ttq::runtime
