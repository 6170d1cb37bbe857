// Compares an ONNX export in ONNX Runtime with ttq's runtime on real test images; one JSON
// object on stdout (onnx_cli_test.sh checks its figures).
//
//   ttq_onnx_parity MODEL.ttq MODEL.onnx --dataset NAME --data-path DIR --images N
//                   --precision fp32|int8 [--optimized-model PATH]
//
// fp32 is compared with the runtime's fp32 reference path, int8 with its fast (u8) path:
// agreement of top-1, the largest logit difference and the largest |logit|, each side's
// top-1 accuracy (int8: also each side's agreement with the fp32 reference path); with
// --optimized-model, the op counts of the graph ORT ran.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "data/dataset.h"
#include "format/model_file.h"
#include "onnx/onnx_file.h"
#include "onnx/onnx_precision.h"
#include "ort_runner.h"
#include "ttq/runtime.h"

namespace {

using namespace ttq;

int argmax(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

int run(int argc, char** argv) {
  if (argc < 3) throw ArgumentError("usage: ttq_onnx_parity MODEL.ttq MODEL.onnx --dataset NAME --data-path DIR --images N --precision fp32|int8 [--optimized-model PATH]");
  const std::string ttq_path = argv[1], onnx_path = argv[2];
  std::string dataset, data_path, precision_text = "fp32", optimized;
  int images = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dataset") dataset = v;
    else if (k == "--data-path") data_path = v;
    else if (k == "--images") images = std::stoi(v);
    else if (k == "--precision") precision_text = v;
    else if (k == "--optimized-model") optimized = v;
    else throw ArgumentError("unknown option " + k);
  }
  const auto precision = onnx_export::parse_onnx_precision(precision_text);
  const format::ModelFile m = format::load_model_file(ttq_path);
  const auto data = data::open_dataset(dataset, data_path, /*train=*/false);
  const int n = std::min<int>(images, static_cast<int>(data->size()));
  if (n < 1) throw ArgumentError("--images must be at least 1");
  const auto shape = data->shape();
  const size_t per_image = shape.bytes(), hw = static_cast<size_t>(shape.height) * shape.width;

  // Normalized exactly as ttq::Model::run takes its input: (pixel / 255 - mean) / std.
  std::vector<float> x(per_image * n);
  std::vector<int> labels(n);
  std::vector<uint8_t> pixels(per_image);
  for (int i = 0; i < n; ++i) {
    data->read_image(i, pixels.data());
    labels[i] = data->label(i);
    for (size_t j = 0; j < per_image; ++j) {
      const size_t c = j / hw;
      x[i * per_image + j] = (pixels[j] / 255.f - m.input_mean[c]) / m.input_std[c];
    }
  }
  Options o;
  o.precision = precision == onnx_export::OnnxPrecision::fp32 ? Precision::fp32_reference : Precision::fast;
  const std::vector<float> ours = Model::from_model_file(m, o).run(x, n);
  const std::vector<float> ort =
      onnx_test::run_in_ort(onnx_path, x, {n, shape.channels, shape.height, shape.width}, optimized);
  if (ort.size() != ours.size()) throw ShapeError("ORT gave " + std::to_string(ort.size()) + " logits, ttq " + std::to_string(ours.size()));

  const int classes = m.num_classes;
  int agree = 0, ours_right = 0, ort_right = 0;
  double max_diff = 0, largest = 0;
  for (int i = 0; i < n; ++i) {
    const int a = argmax(&ours[static_cast<size_t>(i) * classes], classes);
    const int b = argmax(&ort[static_cast<size_t>(i) * classes], classes);
    agree += a == b;
    ours_right += a == labels[i];
    ort_right += b == labels[i];
  }
  for (size_t i = 0; i < ours.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(ours[i] - ort[i])));
    largest = std::max(largest, static_cast<double>(std::fabs(ours[i])));
  }
  nlohmann::json out = {{"images", n},
                        {"precision", onnx_export::onnx_precision_name(precision)},
                        {"compared_with", precision == onnx_export::OnnxPrecision::fp32 ? "fp32_reference" : "fast"},
                        {"agreement", static_cast<double>(agree) / n},
                        {"max_abs_logit_error", max_diff},
                        {"largest_abs_logit", largest},
                        {"relative_logit_error", largest > 0 ? max_diff / largest : 0.0},
                        {"ttq_top1", static_cast<double>(ours_right) / n},
                        {"ort_top1", static_cast<double>(ort_right) / n}};
  if (precision == onnx_export::OnnxPrecision::int8) {
    // Both int8 paths against the fp32 model: how much of the disagreement each one makes.
    Options ro;
    ro.precision = Precision::fp32_reference;
    const std::vector<float> reference = Model::from_model_file(m, ro).run(x, n);
    int ort_ref = 0, ours_ref = 0;
    for (int i = 0; i < n; ++i) {
      const int r = argmax(&reference[static_cast<size_t>(i) * classes], classes);
      ort_ref += argmax(&ort[static_cast<size_t>(i) * classes], classes) == r;
      ours_ref += argmax(&ours[static_cast<size_t>(i) * classes], classes) == r;
    }
    out["ort_agreement_with_fp32_reference"] = static_cast<double>(ort_ref) / n;
    out["ttq_agreement_with_fp32_reference"] = static_cast<double>(ours_ref) / n;
  }
  if (!optimized.empty()) {
    const auto counts = onnx_export::op_counts(onnx_export::load_onnx_model(optimized));
    out["ort_optimized_op_counts"] = counts;
    // In any domain: what ran as integer ops, and what was left in float.
    out["ort_qlinear_conv"] = onnx_export::op_count(counts, "QLinearConv");
    out["ort_qlinear_add"] = onnx_export::op_count(counts, "QLinearAdd");
    out["ort_float_conv"] = onnx_export::op_count(counts, "Conv") + onnx_export::op_count(counts, "FusedConv");
    out["ort_float_gemm"] = onnx_export::op_count(counts, "Gemm") + onnx_export::op_count(counts, "MatMul");
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const ttq::UserError& e) {
    std::fprintf(stderr, "ttq_onnx_parity: error: %s\n", e.one_line().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ttq_onnx_parity: error: %s\n", e.what());
  }
  return 2;
}
