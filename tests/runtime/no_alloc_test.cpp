// After one warm-up run at a batch size, running again allocates nothing:
// operator new is replaced in this binary to count every heap allocation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_models.h"
#include "ttq/runtime.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace ttq {
namespace {

TEST(NoAlloc, RunAllocatesNothingAfterWarmUp) {
  for (auto m : {runtime_test::make_resnet_like(1), runtime_test::make_mixed(3)}) {
    for (Precision p : {Precision::fast, Precision::fp32_reference}) {
      for (int threads : {1, 2}) {
        Options o;
        o.threads = threads;
        o.precision = p;
        Model model = Model::from_model_file(m, o);
        const int batch = 4;
        const auto x = runtime_test::random_input(m, batch, 2);
        std::vector<float> logits(static_cast<size_t>(batch) * model.num_classes());
        model.run(x.data(), batch, logits.data());  // warm-up: the arena grows once
        EXPECT_EQ(model.arena_growths(), 1);
        const long before = g_allocations.load();
        for (int i = 0; i < 3; ++i) model.run(x.data(), batch, logits.data());
        model.run(x.data(), 2, logits.data());  // a smaller batch reuses the arena
        EXPECT_EQ(g_allocations.load() - before, 0) << m.architecture << " threads " << threads;
        EXPECT_EQ(model.arena_growths(), 1);
        model.run(x.data(), 1, logits.data());
        const auto y = model.run(x, batch);  // sanity: the allocation counter does count
        EXPECT_GT(g_allocations.load() - before, 0);
      }
    }
  }
}

}  // namespace
}  // namespace ttq
