#include <algorithm>
#include <sstream>

#include "common/error.h"
#include "runtime/model_impl.h"

namespace ttq {

namespace {

void check_batch(int batch, const void* input) {
  if (batch < 1) throw ArgumentError("batch must be >= 1, got " + std::to_string(batch), "pass the number of images in the input");
  if (input == nullptr) throw ArgumentError("input pointer is null", "pass batch * C * H * W values");
}

// "gemm[u8s8] layer1.0.conv1+..." as describe() and profile() name a step.
std::string step_title(const runtime::Step& st) {
  std::string t = runtime::step_kind_name(st.kind);
  if (st.kind == runtime::StepKind::gemm) t += st.gemm.int8 ? "[u8s8]" : "[f32]";
  return t + " " + st.label;
}

std::string value_title(const runtime::Value& y) {
  return std::to_string(y.C) + "x" + std::to_string(y.H) + "x" + std::to_string(y.W) + (y.has_u8 ? " u8" : "") +
         (y.has_f32 ? " f32" : "");
}

// Multiply-accumulates of one image through a GEMM step.
double gemm_macs(const runtime::GemmLayer& L) {
  return static_cast<double>(L.out_h) * L.out_w * L.out_c * L.K;
}

}  // namespace

// A batch of at least one image per thread runs image-parallel: each worker takes groups
// of images through the whole network on its own part of the arena, with no barrier
// between layers. A smaller batch runs layer-parallel: each layer split across the threads.
// Either way each image is computed by the same code, so the logits are the same.
void Model::Impl::run(const runtime::InputSource& src, int batch, float* logits) {
  std::lock_guard<std::mutex> lock(run_mutex);
  const int threads = pool->size();
  const bool by_images = threads > 1 && batch >= threads;
  const int group = by_images ? (batch + threads - 1) / threads : batch;
  const int chunk = options.batch_chunk > 0 ? std::min(group, options.batch_chunk) : group;
  const int arenas = by_images ? threads : 1;
  const size_t per_arena = (plan.arena_bytes_per_image * static_cast<size_t>(chunk) + 63) / 64 * 64;
  const size_t need = per_arena * arenas + 64;
  if (need > arena_capacity) {
    arena_storage.reset(new uint8_t[need]);
    arena_capacity = need;
    ++arena_growths;
  }
  const uintptr_t p = reinterpret_cast<uintptr_t>(arena_storage.get());
  uint8_t* const arena = reinterpret_cast<uint8_t*>((p + 63) / 64 * 64);
  // Chunk after chunk through the whole network (Options::batch_chunk): a chunk's
  // activations stay in cache between layers.
  const auto& s = input_shape;
  const size_t image = static_cast<size_t>(s[0]) * s[1] * s[2];
  const auto run_images = [&](runtime::Workspace& w, runtime::ThreadPool& on, int first, int count) {
    for (int i0 = first; i0 < first + count; i0 += chunk) {
      runtime::InputSource part = src;
      if (part.nchw) part.nchw += i0 * image;
      if (part.pixels_nhwc) part.pixels_nhwc += i0 * image;
      w.batch = std::min(chunk, first + count - i0);
      runtime::execute_plan(plan, on, w, part, logits + static_cast<size_t>(i0) * num_classes);
    }
  };
  if (!by_images) {
    ws.arena = arena;
    run_images(ws, *pool, 0, batch);
    return;
  }
  auto task = [&](int t, int worker) {
    Lane& lane = lanes[worker];
    lane.ws.arena = arena + static_cast<size_t>(worker) * per_arena;
    run_images(lane.ws, *lane.pool, t * chunk, std::min(chunk, batch - t * chunk));
  };
  using Task = decltype(task);
  pool->parallel_for((batch + chunk - 1) / chunk, [](void* ctx, int t, int w) { (*static_cast<Task*>(ctx))(t, w); },
                     &task);
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::from_model_file(const format::ModelFile& file, const Options& options) {
  return runtime::make_model(file, options, kernels::best_gemm_u8s8(), kernels::best_gemm_f32());
}

Model runtime::make_model(const format::ModelFile& file, const Options& options, const kernels::GemmU8S8Kernel& kernel,
                          const kernels::GemmF32Kernel& kernel_f32, format::ModelFile* consumable,
                          bool indirect_convs) {
  if (options.threads < 1 || options.threads > 1024) {
    throw ArgumentError("threads must be between 1 and 1024, got " + std::to_string(options.threads), "use --threads N with N >= 1");
  }
  if (options.batch_chunk < 0) {
    throw ArgumentError("batch_chunk must be >= 0, got " + std::to_string(options.batch_chunk),
                        "use 0 (the whole batch at once) or a number of images");
  }
  if (options.max_weight_level < 0 || options.max_weight_level > kernel.max_weight) {
    throw ArgumentError("max_weight_level " + std::to_string(options.max_weight_level) + " is outside 0.." +
                            std::to_string(kernel.max_weight) + " (kernel " + kernel.name + ")",
                        "use 0 (the kernel's most) or a value up to " + std::to_string(kernel.max_weight));
  }
  auto impl = std::make_unique<Model::Impl>();
  impl->options = options;
  runtime::CompileOptions co;
  co.fp32_reference = options.precision == Precision::fp32_reference;
  co.kernel = &kernel;
  co.max_weight_level = options.max_weight_level;
  co.kernel_f32 = &kernel_f32;
  co.release_weights = consumable;
  co.indirect_convs = indirect_convs;
  impl->plan = runtime::compile_plan(file, co);
  impl->kernel_names = std::string(kernel.name) + ", " + kernel_f32.name;
  const auto& shape = file.graph.input_shape;
  impl->input_shape = {static_cast<int>(shape[0]), static_cast<int>(shape[1]), static_cast<int>(shape[2])};
  impl->num_classes = static_cast<int>(impl->plan.values[impl->plan.output].elems());
  impl->mean = file.input_mean;
  impl->std = file.input_std;
  if (impl->mean.empty()) impl->mean.assign(shape[0], 0.f);
  if (impl->std.empty()) impl->std.assign(shape[0], 1.f);
  if (static_cast<int64_t>(impl->mean.size()) != shape[0] || static_cast<int64_t>(impl->std.size()) != shape[0]) {
    throw FormatError("input mean/std have " + std::to_string(impl->mean.size()) + "/" + std::to_string(impl->std.size()) +
                          " values but the input has " + std::to_string(shape[0]) + " channels",
                      "re-export the model with one mean and std per input channel");
  }
  for (float s : impl->std) {
    if (!(s > 0.f)) throw FormatError("input std must be > 0", "re-export the model with valid normalization");
  }
  impl->pool = std::make_unique<runtime::ThreadPool>(options.threads);
  impl->ws.scratch_u8.assign(options.threads, std::vector<uint8_t>(impl->plan.scratch_u8));
  impl->ws.scratch_f32.assign(options.threads, std::vector<float>(impl->plan.scratch_f32));
  impl->ws.zeros.assign(impl->plan.zero_run, 0);
  if (options.threads > 1) {
    impl->lanes.resize(options.threads);
    for (auto& lane : impl->lanes) {
      lane.pool = std::make_unique<runtime::ThreadPool>(1);  // runs inline on its worker
      lane.ws.scratch_u8.assign(1, std::vector<uint8_t>(impl->plan.scratch_u8));
      lane.ws.scratch_f32.assign(1, std::vector<float>(impl->plan.scratch_f32));
      lane.ws.zeros = impl->ws.zeros;
    }
  }
  return Model(std::move(impl));
}

void Model::run(const float* input_nchw, int batch, float* logits) {
  check_batch(batch, input_nchw);
  if (logits == nullptr) throw ArgumentError("logits pointer is null", "pass room for batch * num_classes() floats");
  runtime::InputSource src;
  src.nchw = input_nchw;
  impl_->run(src, batch, logits);
}

std::vector<float> Model::run(const float* input_nchw, int batch) {
  check_batch(batch, input_nchw);
  std::vector<float> logits(static_cast<size_t>(batch) * impl_->num_classes);
  run(input_nchw, batch, logits.data());
  return logits;
}

std::vector<float> Model::run(const std::vector<float>& input_nchw, int batch) {
  check_batch(batch, input_nchw.data() ? input_nchw.data() : reinterpret_cast<const float*>(this));
  const auto& s = impl_->input_shape;
  const size_t want = static_cast<size_t>(batch) * s[0] * s[1] * s[2];
  if (input_nchw.size() != want) {
    throw ShapeError("input has " + std::to_string(input_nchw.size()) + " values but batch " + std::to_string(batch) + " x " +
                         std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]) + " needs " + std::to_string(want),
                     "resize the images to the model's input shape (NCHW)");
  }
  return run(input_nchw.data(), batch);
}

void Model::run_pixels(const uint8_t* pixels_nhwc, int batch, float* logits) {
  check_batch(batch, pixels_nhwc);
  if (logits == nullptr) throw ArgumentError("logits pointer is null", "pass room for batch * num_classes() floats");
  runtime::InputSource src;
  src.pixels_nhwc = pixels_nhwc;
  src.mean = impl_->mean.data();
  src.std = impl_->std.data();
  impl_->run(src, batch, logits);
}

std::vector<float> Model::run_pixels(const uint8_t* pixels_nhwc, int batch) {
  check_batch(batch, pixels_nhwc);
  std::vector<float> logits(static_cast<size_t>(batch) * impl_->num_classes);
  run_pixels(pixels_nhwc, batch, logits.data());
  return logits;
}

std::vector<StepProfile> Model::profile(const float* input_nchw, int batch, int runs) {
  if (runs < 1) throw ArgumentError("runs must be >= 1, got " + std::to_string(runs), "profile at least one run");
  std::vector<float> logits(static_cast<size_t>(batch) * impl_->num_classes);
  run(input_nchw, batch, logits.data());  // warm: arena sized, pages touched
  const runtime::Plan& p = impl_->plan;
  // One row of step times for the layer-parallel workspace and one per image-parallel
  // lane; a lane's share of a run is its time over the lanes that ran side by side.
  const size_t n = p.steps.size(), lanes = impl_->lanes.size();
  std::vector<double> times((1 + lanes) * n, 0.0);
  const auto attach = [&](bool on) {
    impl_->ws.step_seconds = on ? times.data() : nullptr;
    for (size_t l = 0; l < lanes; ++l) impl_->lanes[l].ws.step_seconds = on ? times.data() + (1 + l) * n : nullptr;
  };
  attach(true);
  try {
    for (int i = 0; i < runs; ++i) run(input_nchw, batch, logits.data());
  } catch (...) {
    attach(false);
    throw;
  }
  attach(false);
  std::vector<double> seconds(times.begin(), times.begin() + n);
  for (size_t l = 0; l < lanes; ++l) {
    for (size_t i = 0; i < n; ++i) seconds[i] += times[(1 + l) * n + i] / static_cast<double>(lanes);
  }
  std::vector<StepProfile> out;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const runtime::Step& st = p.steps[i];
    StepProfile sp;
    sp.step = step_title(st);
    sp.output = value_title(p.values[st.output]);
    sp.ms = seconds[i] * 1e3 / runs;
    if (st.kind == runtime::StepKind::gemm) {
      sp.int8 = st.gemm.int8;
      sp.kernel = st.gemm.int8 ? st.gemm.kernel->name : st.gemm.kernel_f32->name;
      sp.macs = gemm_macs(st.gemm) * batch;
    }
    out.push_back(std::move(sp));
  }
  return out;
}

int Model::predict(const float* input_nchw) {
  const std::vector<float> logits = run(input_nchw, 1);
  return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

int Model::num_classes() const { return impl_->num_classes; }
std::array<int, 3> Model::input_shape() const { return impl_->input_shape; }
const std::vector<float>& Model::input_mean() const { return impl_->mean; }
const std::vector<float>& Model::input_std() const { return impl_->std; }
int Model::threads() const { return impl_->options.threads; }
Precision Model::precision() const { return impl_->options.precision; }
int Model::arena_growths() const { return impl_->arena_growths; }

std::string Model::describe() const {
  const runtime::Plan& p = impl_->plan;
  std::ostringstream os;
  os << "precision " << (impl_->options.precision == Precision::fast ? "fast" : "fp32_reference") << ", kernels " << impl_->kernel_names
     << ", threads " << impl_->options.threads << ", arena " << p.arena_bytes_per_image << " bytes/image\n";
  for (const runtime::Step& st : p.steps) {
    const runtime::Value& y = p.values[st.output];
    os << "  " << step_title(st) << " -> " << y.name << " " << value_title(y) << "\n";
  }
  return os.str();
}

}  // namespace ttq
