// The runtime alone, without LibTorch in the process: latency and peak RSS of a
// model file, so memory is compared with `ttq bench --only libtorch` fairly.
//   bench_runtime MODEL.ttq [--batch 1] [--threads 1] [--iters 50] [--batch-chunk 16] [--json]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/error.h"
#include "kernels/gemm_u8s8.h"
#include "ttq/runtime.h"

int main(int argc, char** argv) {
  CLI::App app{"ttq runtime latency and peak RSS"};
  std::string path;
  int batch = 1, threads = 1, iters = 50, batch_chunk = ttq::Options{}.batch_chunk;
  app.add_option("model", path)->required();
  app.add_option("--batch", batch)->check(CLI::PositiveNumber);
  app.add_option("--threads", threads)->check(CLI::PositiveNumber);
  app.add_option("--iters", iters)->check(CLI::PositiveNumber);
  app.add_option("--batch-chunk", batch_chunk, "images per chunk of a batch (0: whole batch)")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    ttq::Options o;
    o.threads = threads;
    o.batch_chunk = batch_chunk;
    ttq::Model model = ttq::Model::load(path, o);
    const auto s = model.input_shape();
    std::vector<float> x(size_t(batch) * s[0] * s[1] * s[2]);
    for (size_t i = 0; i < x.size(); ++i) x[i] = float((i * 2654435761u) % 1000) / 500.f - 1.f;
    std::vector<float> logits(size_t(batch) * model.num_classes());
    model.run(x.data(), batch, logits.data());
    std::vector<double> t;
    for (int i = 0; i < iters; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      model.run(x.data(), batch, logits.data());
      t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    std::printf("{\"model\":\"%s\",\"batch\":%d,\"batch_chunk\":%d,\"threads\":%d,\"kernel\":\"%s\",\"runtime_ms\":%.4f,\"peak_rss_kb\":%ld}\n",
                path.c_str(), batch, batch_chunk, threads, ttq::kernels::best_gemm_u8s8().name, t[t.size() / 2], ru.ru_maxrss);
  } catch (const ttq::UserError& e) {
    std::fprintf(stderr, "bench_runtime: error: %s\n", e.one_line().c_str());
    return 2;
  }
  return 0;
}
