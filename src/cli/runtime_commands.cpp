// ttq run: evaluate a model file with the standalone runtime (optionally against
// the LibTorch checkpoint it came from). ttq bench: runtime vs LibTorch fp32 on
// the same model, input, batch and threads, in one process.
#include <CLI/CLI.hpp>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/npy_file.h"
#include "cli/step_profile.h"
#include "common/cpu_clock.h"
#include "common/cpu_model.h"
#include "common/error.h"
#include "data/batch_loader.h"
#include "format/model_file.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"
#include "report/logit_comparison.h"
#include "train/models/network.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/model_builder.h"
#include "ttq/runtime.h"

namespace ttq::cli {
namespace {

struct RunFlags {
  std::string file, dataset = "fashion-mnist", data_path, checkpoint, logits_path;
  int threads = 1, batch = 64, max_weight_level = 0;
  int64_t limit = 0;
  bool reference = false, compare_reference = false;
};

void run_dataset(const RunFlags& f) {
  Options o;
  o.threads = f.threads;
  o.precision = f.reference ? Precision::fp32_reference : Precision::fast;
  o.max_weight_level = f.max_weight_level;
  Model model = Model::load(f.file, o);
  std::optional<Model> reference;
  if (f.compare_reference) {
    Options ro = o;
    ro.precision = Precision::fp32_reference;
    reference.emplace(Model::load(f.file, ro));
  }
  auto data = data::open_dataset(f.dataset, f.data_path, false);
  const auto s = data->shape();
  const auto in = model.input_shape();
  if (s.channels != in[0] || s.height != in[1] || s.width != in[2]) {
    throw ShapeError("the images of '" + f.data_path + "' do not have the model's input shape");
  }
  data::BatchLoaderOptions lo;
  lo.batch_size = f.batch;
  lo.mean = model.input_mean();
  lo.std = model.input_std();
  lo.workers = 1;
  if (f.limit > 0) lo.subset_count = size_t(f.limit);
  data::BatchLoader loader(*data, lo);
  loader.start_epoch(0);

  std::shared_ptr<train::Network> net;
  if (!f.checkpoint.empty()) {
    net = train::load_network(f.checkpoint).net;
    net->eval();
    torch::set_num_threads(f.threads);
  }
  const int classes = model.num_classes();
  std::vector<float> logits, reference_logits, all_logits;
  report::LogitComparison vs_reference(classes);
  int64_t n = 0, correct = 0, torch_correct = 0, agree = 0;
  double runtime_seconds = 0;
  data::Batch b;
  while (loader.next(b)) {
    logits.resize(size_t(b.n) * classes);
    const auto t0 = std::chrono::steady_clock::now();
    model.run(b.images.data(), b.n, logits.data());
    runtime_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!f.logits_path.empty()) all_logits.insert(all_logits.end(), logits.begin(), logits.end());
    if (reference) {
      reference_logits.resize(logits.size());
      reference->run(b.images.data(), b.n, reference_logits.data());
      vs_reference.add(logits.data(), reference_logits.data(), b.n);
    }
    torch::Tensor torch_pred;
    if (net) {
      c10::InferenceMode guard;
      torch_pred = net->forward(torch::from_blob(b.images.data(), {b.n, s.channels, s.height, s.width})).argmax(1);
    }
    for (int i = 0; i < b.n; ++i) {
      const float* row = &logits[size_t(i) * classes];
      const int pred = int(std::max_element(row, row + classes) - row);
      correct += pred == b.labels[i];
      if (net) {
        const int tp = int(torch_pred[i].item<int64_t>());
        torch_correct += tp == b.labels[i];
        agree += tp == pred;
      }
    }
    n += b.n;
  }
  nlohmann::json out = {{"file", f.file}, {"images", n}, {"threads", f.threads},
                        {"precision", f.reference ? "fp32_reference" : "fast"},
                        {"top1", n ? double(correct) / n : 0.0}, {"runtime_seconds", runtime_seconds},
                        {"kernel", kernels::best_gemm_u8s8().name},
                        {"max_weight_level", f.max_weight_level ? f.max_weight_level : kernels::best_gemm_u8s8().max_weight}};
  if (reference) {
    out["vs_reference"] = {{"agreement", vs_reference.agreement()},
                           {"logit_rms_error", vs_reference.rms_error()},
                           {"logit_rms_error_scale_free", vs_reference.rms_error_scale_free()}};
  }
  if (net) {
    out["libtorch_top1"] = n ? double(torch_correct) / n : 0.0;
    out["agreement"] = n ? double(agree) / n : 0.0;
  }
  if (!f.logits_path.empty()) {
    save_npy_f32(f.logits_path, all_logits, size_t(n), size_t(classes));
    out["logits"] = f.logits_path;
  }
  std::cout << out.dump(2) << std::endl;
}

// --- bench ---------------------------------------------------------------

struct BenchFlags {
  std::string file, only, isa = "native";
  int threads = 1, batch = 1, iters = 0;
  bool json = false, profile = false;
};

// OpenBLAS reads OPENBLAS_CORETYPE when it loads, and 0.3.21 does not know the newest
// Xeons (it falls back to slow generic kernels). A user tuning LibTorch would set it,
// so the benchmark does, for its own process only: it re-executes itself once.
// `--isa avx2` makes an AVX-512 machine an AVX2-only one for both sides, the way the
// libraries allow it: our kernels (TTQ_ISA), ATen's vectorized code
// (ATEN_CPU_CAPABILITY), oneDNN (ONEDNN_MAX_CPU_ISA) and OpenBLAS (Haswell kernels).
void tune_openblas_or_reexec(char** argv, bool avx2_only) {
  if (std::getenv("TTQ_BENCH_NO_REEXEC")) return;
  if (avx2_only) {
    ::setenv("TTQ_ISA", "avx2", 1);
    ::setenv("ATEN_CPU_CAPABILITY", "avx2", 1);
    ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1);
    ::setenv("DNNL_MAX_CPU_ISA", "AVX2", 1);
    ::setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  } else if (std::getenv("OPENBLAS_CORETYPE")) {
    return;  // the user's own tuning
  }
  const char* type = kernels::cpu_supports(kernels::Isa::avx512_vnni) ? "SkylakeX" : "Haswell";
  ::setenv("OPENBLAS_CORETYPE", type, 0);
  ::setenv("TTQ_BENCH_NO_REEXEC", "1", 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure; then carry on untuned
}

// LibTorch allocates every activation of a forward pass anew; glibc serves blocks of a
// few MB with mmap and unmaps them on free, so each pass page-faults its activations in
// again (ResNet-20 at batch 64: ~3,300 faults a pass). A user tuning LibTorch swaps the
// allocator (jemalloc, tcmalloc) or keeps such blocks on the heap, as here: 8-14 %
// faster LibTorch, the same peak RSS at batch 1 (docs/RUNTIME.md, "ttq bench"). The
// runtime allocates nothing per inference, so this only helps the baseline. The user's
// own MALLOC_* settings win.
bool tune_malloc_for_libtorch() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("GLIBC_TUNABLES")) {
    return false;
  }
  return ::mallopt(M_MMAP_THRESHOLD, 256 << 20) == 1 && ::mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
}

std::string blas_core() {
  using Fn = char* (*)();
  if (auto fn = reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"))) return fn();
  return "not OpenBLAS (netlib reference BLAS?)";
}

template <class F>
double median_ms(F&& fn, int iters) {
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

long peak_rss_kb() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The runtime alone, each plan step timed (`--profile`).
void run_profile(const BenchFlags& f, const format::ModelFile& file, const std::vector<float>& input, int runs) {
  Options o;
  o.threads = f.threads;
  Model model = Model::from_model_file(file, o);
  const auto steps = model.profile(input.data(), f.batch, runs);
  ProfileContext ctx;
  ctx.model = file.architecture;
  ctx.batch = f.batch;
  ctx.threads = f.threads;
  ctx.runs = runs;
  ctx.core_ghz = measure_core_ghz();
  ctx.peak_u8_mpc = kernels::peak_macs_per_cycle(kernels::best_gemm_u8s8().isa);
  ctx.peak_f32_mpc = kernels::peak_f32_macs_per_cycle(kernels::best_gemm_f32().isa);
  nlohmann::json p = profile_json(ctx, steps);
  p["cpu"] = cpu_model_name();
  p["kernel"] = kernels::best_gemm_u8s8().name;
  p["kernel_f32"] = kernels::best_gemm_f32().name;
  if (f.json) {
    std::cout << p.dump() << std::endl;
  } else {
    std::cout << profile_table(p);
  }
}

void run_bench(const BenchFlags& f) {
  const bool malloc_tuned = tune_malloc_for_libtorch();
  const auto file = format::load_model_file(f.file);
  const auto& shp = file.graph.input_shape;
  const int64_t per_image = shp[0] * shp[1] * shp[2];
  std::vector<float> input(size_t(f.batch) * per_image);
  for (size_t i = 0; i < input.size(); ++i) input[i] = float((i * 2654435761u) % 1000) / 500.f - 1.f;
  const int iters = f.iters > 0 ? f.iters : std::max(5, 200 / f.batch);
  nlohmann::json out = {{"model", file.architecture}, {"batch", f.batch}, {"threads", f.threads},
                        {"cpu", cpu_model_name()}, {"kernel", kernels::best_gemm_u8s8().name},
                        {"isa", kernels::isa_name(kernels::active_isa())}, {"isa_cap", f.isa}};
  if (f.isa == "avx2" && (kernels::active_isa() > kernels::Isa::avx2 || !std::getenv("ATEN_CPU_CAPABILITY"))) {
    throw UserError("--isa avx2 could not cap this process (TTQ_ISA / ATEN_CPU_CAPABILITY not in effect)",
                    "run `ttq bench` directly, without TTQ_BENCH_NO_REEXEC set");
  }
  if (f.profile) return run_profile(f, file, input, iters);
  double runtime_ms = 0, libtorch_ms = 0;
  if (f.only != "libtorch") {
    Options o;
    o.threads = f.threads;
    Model model = Model::from_model_file(file, o);
    std::vector<float> logits(size_t(f.batch) * model.num_classes());
    auto fn = [&] { model.run(input.data(), f.batch, logits.data()); };
    fn();
    runtime_ms = median_ms(fn, iters);
    out["runtime_ms"] = runtime_ms;
  }
  if (f.only != "runtime") {
    // The same architecture in fp32 (weights do not change the speed), at its best:
    // OpenBLAS, oneDNN, InferenceMode, the same threads.
    torch::set_num_threads(f.threads);
    train::TrainConfig cfg;
    cfg.model = file.architecture;
    auto net = train::build_network(cfg, shp, file.num_classes);
    net->eval();
    auto x = torch::from_blob(input.data(), {f.batch, shp[0], shp[1], shp[2]});
    c10::InferenceMode guard;
    auto fn = [&] { net->forward(x); };
    fn();
    libtorch_ms = median_ms(fn, iters);
    out["libtorch_ms"] = libtorch_ms;
    out["blas_core"] = blas_core();
    out["mkldnn"] = at::hasMKLDNN();
    out["malloc_tuned"] = malloc_tuned;
  }
  if (runtime_ms > 0 && libtorch_ms > 0) out["speedup"] = libtorch_ms / runtime_ms;
  out["peak_rss_kb"] = peak_rss_kb();
  if (f.json) {
    std::cout << out.dump() << std::endl;
  } else {
    std::printf("%s batch %d threads %d on %s\n", file.architecture.c_str(), f.batch, f.threads, cpu_model_name().c_str());
    if (runtime_ms > 0) std::printf("  ttq runtime (%s): %.3f ms\n", kernels::best_gemm_u8s8().name, runtime_ms);
    if (libtorch_ms > 0) std::printf("  LibTorch fp32 (BLAS %s): %.3f ms\n", blas_core().c_str(), libtorch_ms);
    if (runtime_ms > 0 && libtorch_ms > 0) std::printf("  speedup: %.2fx\n", libtorch_ms / runtime_ms);
    std::printf("  peak RSS: %ld kB\n", peak_rss_kb());
  }
}

}  // namespace

void add_runtime_commands(CLI::App& app) {
  {
    auto* c = app.add_subcommand("run", "evaluate a model file on a test set with the standalone runtime");
    auto f = std::make_shared<RunFlags>();
    c->add_option("file", f->file, "model file")->required();
    c->add_option("--dataset", f->dataset, "data set name");
    c->add_option("--data-path", f->data_path, "data set folder")->required();
    c->add_option("--checkpoint", f->checkpoint, "also run this LibTorch checkpoint and report agreement");
    c->add_option("--threads", f->threads, "runtime threads")->check(CLI::PositiveNumber);
    c->add_option("-b,--batch-size", f->batch, "images per batch")->check(CLI::PositiveNumber);
    c->add_option("--limit", f->limit, "only the first N test images");
    c->add_option("--logits", f->logits_path, "write the runtime's logits here (.npy, float32, images x classes)");
    c->add_flag("--reference", f->reference, "the fp32 reference path instead of the int8 kernels");
    c->add_flag("--compare-reference", f->compare_reference,
                "also run the fp32 reference path and report agreement and logit error against it");
    c->add_option("--max-weight-level", f->max_weight_level,
                  "largest integer of the ternary weight levels; 0: the kernel's most (127, 32 on AVX2); "
                  "32: the same logits on every CPU")
        ->check(CLI::Range(0, 127));
    c->callback([f] { run_dataset(*f); });
  }
  {
    auto* c = app.add_subcommand("bench", "runtime vs LibTorch fp32: same model, input, batch, threads");
    auto f = std::make_shared<BenchFlags>();
    c->add_option("file", f->file, "model file")->required();
    c->add_option("--threads", f->threads, "threads for both")->check(CLI::PositiveNumber);
    c->add_option("-b,--batch-size", f->batch, "batch")->check(CLI::PositiveNumber);
    c->add_option("--iters", f->iters, "timed iterations (median is reported)");
    c->add_option("--only", f->only, "runtime or libtorch (for separate peak-RSS figures)")
        ->check(CLI::IsMember({"runtime", "libtorch"}));
    c->add_option("--isa", f->isa, "native, or avx2: both sides limited to AVX2 (an AVX2-only machine)")
        ->check(CLI::IsMember({"native", "avx2"}));
    c->add_flag("--json", f->json, "one JSON line");
    c->add_flag("--profile", f->profile,
                "the runtime alone, each plan step timed: ms, share, MACs, GMAC/s and fraction of the kernel level's peak");
    c->callback([f] { run_bench(*f); });
  }
}

void reexec_for_bench_if_needed(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "bench") {
      bool avx2_only = false;
      for (int j = i + 1; j < argc; ++j) {
        const std::string a = argv[j];
        if (a == "--isa=avx2" || (a == "--isa" && j + 1 < argc && std::string(argv[j + 1]) == "avx2")) avx2_only = true;
      }
      return tune_openblas_or_reexec(argv, avx2_only);
    }
    if (argv[i][0] != '-') return;
  }
}

}  // namespace ttq::cli
