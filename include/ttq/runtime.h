// ttq standalone inference runtime: load a ttq model file and run it on the CPU.
// No LibTorch. See docs/RUNTIME.md.
//
//   ttq::Model model = ttq::Model::load("resnet20.ttq", {/*threads=*/2});
//   std::vector<float> logits = model.run(images_nchw, batch);   // normalized float input
//
// Errors a user can cause (missing file, corrupt model, wrong input size) are
// thrown as ttq::UserError subclasses (src/common/error.h); the C API returns
// them as text instead.
#pragma once

#ifdef __cplusplus
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ttq {

namespace format { struct ModelFile; }

enum class Precision {
  fast,            // u8 activations, ternary weights as s8, int32 accumulation (the product)
  fp32_reference,  // everything fp32, ternary weights as exactly +wp/0/-wn, no activation quantization
};

struct Options {
  int threads = 1;  // worker threads (>= 1), created once per model
  Precision precision = Precision::fast;
  // Largest integer a ternary weight decodes to (the larger of Wp, Wn becomes a whole
  // number of units up to this; the other sign's weights the two integers nearest to its
  // share, error-diffused). 0: the most the CPU's kernel takes (127, or 32 on AVX2-only
  // CPUs). 32: the same logits on every CPU, bit for bit.
  int max_weight_level = 0;
  // A larger batch runs as chunks of this many images, each through the whole network,
  // so that a chunk's activations stay in the core's L2 (ResNet-20 / ResNet-18 at 28x28,
  // batch 64: 2-10 % faster with AMX, 0-3 % with AVX2; docs/RUNTIME.md). The arena is
  // sized for one chunk. 0: the whole batch at once. Logits are the same either way.
  int batch_chunk = 16;
};

// One step of a model's compiled plan, timed by Model::profile.
struct StepProfile {
  std::string step;    // what runs: "gemm[u8s8] layer1.0.conv1+relu", "maxpool ...", as describe() lists it
  std::string output;  // the value it writes, e.g. "64x56x56 u8"
  std::string kernel;  // GEMM steps: the microkernel; else empty
  bool int8 = false;   // a u8 x s8 GEMM (else fp32, or not a GEMM)
  double ms = 0;       // wall time per run, mean over the profiled runs
  double macs = 0;     // multiply-accumulates per run (GEMM steps; 0 for the others)
};

class Model {
 public:
  static Model load(const std::string& path, const Options& options = {});
  static Model from_model_file(const format::ModelFile& file, const Options& options = {});

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  // input: batch images, NCHW, already normalized ((pixel/255 - mean) / std).
  std::vector<float> run(const float* input_nchw, int batch);
  // Same, checking input.size() == batch * C * H * W (throws ShapeError).
  std::vector<float> run(const std::vector<float>& input_nchw, int batch);
  // Writes batch * num_classes() logits; allocates nothing once this batch size has run once.
  void run(const float* input_nchw, int batch, float* logits);
  // input: batch raw images, pixels 0..255 interleaved HWC (as image decoders give them);
  // normalized here with the file's mean/std.
  std::vector<float> run_pixels(const uint8_t* pixels_nhwc, int batch);
  void run_pixels(const uint8_t* pixels_nhwc, int batch, float* logits);

  // Runs `runs` times (after one untimed run) and returns each plan step's mean wall
  // time, in plan order: where the time goes (`ttq bench --profile`). Timing adds a
  // clock read per step; the logits are the same as run()'s.
  std::vector<StepProfile> profile(const float* input_nchw, int batch, int runs);

  // argmax of the logits of one normalized NCHW image.
  int predict(const float* input_nchw);

  int num_classes() const;
  std::array<int, 3> input_shape() const;  // C, H, W
  const std::vector<float>& input_mean() const;
  const std::vector<float>& input_std() const;
  int threads() const;
  Precision precision() const;
  // The compiled plan, one line per step (fusions, dtypes, kernel), for logs and debugging.
  std::string describe() const;
  // How many times the activation arena grew (0 after load; grows when a larger batch first runs).
  int arena_growths() const;

  struct Impl;  // internal
  explicit Model(std::unique_ptr<Impl> impl);  // internal: use load() / from_model_file()

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ttq
extern "C" {
#endif

// C API. Functions returning int give 0 on success, nonzero on error; the error
// text is then in ttq_model_last_error(model) (or errbuf for ttq_model_load).
typedef struct ttq_model ttq_model;

// threads <= 0 means 1. Returns NULL on error and writes a message into errbuf (if errlen > 0).
ttq_model* ttq_model_load(const char* path, int threads, char* errbuf, int errlen);
// input: batch normalized NCHW images; logits: batch * ttq_model_num_classes floats.
int ttq_model_run(ttq_model* model, const float* input_nchw, int batch, float* logits);
int ttq_model_num_classes(const ttq_model* model);
// Writes C, H, W of one input image.
void ttq_model_input_shape(const ttq_model* model, int* channels, int* height, int* width);
const char* ttq_model_last_error(const ttq_model* model);
void ttq_model_free(ttq_model* model);

#ifdef __cplusplus
}
#endif
