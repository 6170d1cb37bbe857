// The ONNX export (src/onnx) on the runtime's random test models, every op of the format:
// both precisions pass ONNX's checks, ONNX Runtime runs them, the fp32 model gives the
// runtime's fp32 reference logits, and the int8 model is laid out so that ORT runs every
// conv as QLinearConv. (Agreement of int8 predictions on a trained model: onnx_cli_test.sh.)
#include <gtest/gtest.h>

#include <onnx/checker.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/error.h"
#include "onnx/activation_quantization.h"
#include "onnx/export_onnx.h"
#include "onnx/onnx_file.h"
#include "ort_runner.h"
#include "test_models.h"
#include "ttq/runtime.h"

namespace ttq::onnx_test {
namespace {

using onnx_export::OnnxPrecision;

struct NamedModel {
  std::string name;
  format::ModelFile file;
};

std::vector<NamedModel> models() {
  return {{"resnet_like", runtime_test::make_resnet_like(3)},
          {"resnet_like_fp32", runtime_test::make_resnet_like(4, /*all_fp32=*/true)},
          {"mixed", runtime_test::make_mixed(5)},
          {"cifar_resnet8", runtime_test::make_cifar_resnet(1, 6)}};
}

std::array<int64_t, 4> dims_of(const format::ModelFile& m, int batch) {
  const auto& s = m.graph.input_shape;
  return {batch, s[0], s[1], s[2]};
}

std::vector<float> runtime_logits(const format::ModelFile& m, const std::vector<float>& x, int batch, Precision p) {
  Options o;
  o.precision = p;
  return Model::from_model_file(m, o).run(x, batch);
}

float largest_abs(const std::vector<float>& v) {
  float r = 0.f;
  for (float x : v) r = std::max(r, std::fabs(x));
  return r;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float r = 0.f;
  for (size_t i = 0; i < a.size(); ++i) r = std::max(r, std::fabs(a[i] - b[i]));
  return r;
}

double relative_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

// The node that writes each tensor, and the initializers by name.
struct GraphIndex {
  std::map<std::string, const onnx::NodeProto*> producer;
  std::map<std::string, const onnx::TensorProto*> initializer;
  std::map<std::string, std::vector<const onnx::NodeProto*>> readers;
  explicit GraphIndex(const onnx::GraphProto& g) {
    for (const auto& n : g.node()) {
      for (const auto& o : n.output()) producer[o] = &n;
      for (const auto& i : n.input()) readers[i].push_back(&n);
    }
    for (const auto& t : g.initializer()) initializer[t.name()] = &t;
  }
  bool written_by(const std::string& tensor, const char* op) const {
    auto it = producer.find(tensor);
    return it != producer.end() && it->second->op_type() == op;
  }
};

int64_t int_attribute(const onnx::NodeProto& n, const char* name, int64_t fallback) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

TEST(OnnxPrecision, ParsesBothAndRejectsAnythingElse) {
  EXPECT_EQ(onnx_export::parse_onnx_precision("fp32"), OnnxPrecision::fp32);
  EXPECT_EQ(onnx_export::parse_onnx_precision("int8"), OnnxPrecision::int8);
  EXPECT_THROW(onnx_export::parse_onnx_precision("int4"), ArgumentError);
  EXPECT_THROW(onnx_export::parse_onnx_precision("INT8"), ArgumentError);
}

// The u8 range of a possibly negative activation ends where no reader can tell values apart.
std::pair<float, float> u8_range(const format::ModelFile& m, const std::string& activation) {
  const auto q = onnx_export::ActivationQuantizer(m)(activation);
  return {-q.scale * q.zero_point, q.scale * (255 - q.zero_point)};
}

format::ModelFile calibrated(const format::Graph& g, std::map<std::string, float> largest) {
  format::ModelFile m;
  m.graph = g;
  for (const auto& n : g.nodes) m.calibration[n.output] = largest.count(n.output) ? largest[n.output] : 1.f;
  return m;
}

TEST(ActivationQuantizer, ABranchBeforeAResidualAddReluGoesDownToMinusTheOtherInput) {
  format::GraphBuilder g({2, 6, 6});
  const std::string side = g.relu(g.conv2d("a", g.input(), 2, 4, 3, 1, 1));
  const std::string branch = g.conv2d("b", side, 4, 4, 1, 1, 0);
  const auto m = calibrated(g.finish(g.relu(g.add(branch, side))), {{side, 2.5f}, {branch, 1.f}});
  EXPECT_NEAR(u8_range(m, branch).first, -2.5f, 0.01f);
  EXPECT_NEAR(u8_range(m, branch).second, 1.f, 0.01f);
}

TEST(ActivationQuantizer, AConcatReadByBatchNormReluGoesDownToEachChannelsCut) {
  format::GraphBuilder g({2, 6, 6});
  const std::string raw = g.conv2d("c", g.input(), 2, 4, 3, 1, 1);  // may be negative
  const std::string other = g.relu(g.conv2d("d", g.input(), 2, 4, 3, 1, 1));
  const std::string bn = g.batchnorm("bn", g.concat({raw, other}), 8);
  auto m = calibrated(g.finish(g.relu(bn)), {{raw, 3.f}, {bn, 4.f}});
  m.tensors["bn.scale"].values = {1.f, 2.f, -1.f, 0.5f, 1.f, 1.f, 1.f, 1.f};
  m.tensors["bn.bias"].values = {0.5f, -1.f, 0.2f, 1.f, -9.f, 9.f, 9.f, 9.f};  // the last 4: not raw's
  // raw's channels: -0.5 / 1, 1 / 2, (4 - 0.2) / -1 (s < 0: the smallest input seen), -1 / 0.5.
  EXPECT_NEAR(u8_range(m, raw).first, -3.8f, 0.02f);
  EXPECT_NEAR(u8_range(m, raw).second, 3.f, 0.02f);
}

TEST(ActivationQuantizer, AValueAConvReadsSpansMinusToPlusItsLargest) {
  format::GraphBuilder g({2, 6, 6});
  const std::string raw = g.conv2d("c", g.input(), 2, 4, 3, 1, 1);
  const auto m = calibrated(g.finish(g.conv2d("d", raw, 4, 4, 1, 1, 0)), {{raw, 3.f}});
  EXPECT_EQ(onnx_export::ActivationQuantizer(m)(raw).zero_point, 128);
  EXPECT_NEAR(u8_range(m, raw).second, 3.f, 0.001f);
}

TEST(OnnxExport, BothPrecisionsPassOnnxCheckerFromTheFileToo) {
  TempDir dir;
  for (const auto& [name, m] : models()) {
    for (OnnxPrecision p : {OnnxPrecision::fp32, OnnxPrecision::int8}) {
      SCOPED_TRACE(name + " " + onnx_export::onnx_precision_name(p));
      const onnx::ModelProto model = onnx_export::export_onnx(m, p);  // checked inside, with strict shape inference
      const std::string path = dir.file(name + ".onnx");
      onnx_export::save_onnx_model(model, path);
      EXPECT_NO_THROW(onnx::checker::check_model(path));
      const onnx::ModelProto back = onnx_export::load_onnx_model(path);
      EXPECT_EQ(back.graph().node_size(), model.graph().node_size());
      EXPECT_EQ(back.opset_import(0).version(), onnx_export::kOnnxOpset);
      ASSERT_EQ(back.graph().input_size(), 1);
      EXPECT_EQ(back.graph().input(0).name(), "input");
      EXPECT_EQ(back.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
      ASSERT_EQ(back.graph().output_size(), 1);
      EXPECT_EQ(back.graph().output(0).name(), "logits");
    }
  }
}

TEST(OnnxExport, Fp32InOrtEqualsTheRuntimesFp32ReferencePath) {
  TempDir dir;
  for (const auto& [name, m] : models()) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name + ".onnx");
    onnx_export::save_onnx_model(onnx_export::export_onnx(m, OnnxPrecision::fp32), path);
    const int batch = 5;
    const auto x = runtime_test::random_input(m, batch, 77);
    const auto want = runtime_logits(m, x, batch, Precision::fp32_reference);
    const auto got = run_in_ort(path, x, dims_of(m, batch));
    ASSERT_EQ(got.size(), want.size());
    const float error = max_abs_diff(got, want), scale = largest_abs(want);
    EXPECT_LE(error, 1e-4f * scale) << "largest |logit| " << scale;
    std::printf("%s fp32: max |ORT - reference| = %.3g (%.3g of the largest logit)\n", name.c_str(), error, error / scale);
  }
}

TEST(OnnxExport, Int8IsQdqAroundEveryLayerWithPerChannelS8WeightsAndInt32Biases) {
  for (const auto& [name, m] : models()) {
    SCOPED_TRACE(name);
    const onnx::ModelProto model = onnx_export::export_onnx(m, OnnxPrecision::int8);
    const GraphIndex index(model.graph());
    int layers = 0;
    for (const auto& n : model.graph().node()) {
      const std::string& op = n.op_type();
      if (op == "Conv" || op == "Gemm" || op == "Add" || op == "Concat" || op == "MaxPool" || op == "AveragePool" ||
          op == "GlobalAveragePool") {
        // What ORT fuses: every input (activations, weights, biases) a DequantizeLinear...
        for (const auto& in : n.input()) {
          // (a standalone batch norm is Mul then Add of constants, between a DQ and a Q)
          const bool batchnorm = op == "Add" && (index.initializer.count(in) || index.written_by(in, "Mul"));
          EXPECT_TRUE(batchnorm || index.written_by(in, "DequantizeLinear")) << op << " " << n.name() << " reads " << in;
        }
      }
      if (op != "Conv" && op != "Gemm") continue;
      ++layers;
      // ... weights s8 per output channel (axis 0), zero point 0; biases int32.
      const onnx::NodeProto& wdq = *index.producer.at(n.input(1));
      const onnx::TensorProto& wq = *index.initializer.at(wdq.input(0));
      EXPECT_EQ(wq.data_type(), onnx::TensorProto::INT8);
      EXPECT_EQ(int_attribute(wdq, "axis", 1), 0);
      EXPECT_EQ(index.initializer.at(wdq.input(1))->dims(0), wq.dims(0));
      const std::string& zp = index.initializer.at(wdq.input(2))->raw_data();
      EXPECT_TRUE(std::all_of(zp.begin(), zp.end(), [](char c) { return c == 0; }));
      EXPECT_EQ(index.initializer.at(index.producer.at(n.input(2))->input(0))->data_type(), onnx::TensorProto::INT32);
      // The output is quantized next (through the relu, if any), unless it is the logits.
      std::string y = n.output(0);
      if (index.readers.count(y) && index.readers.at(y).size() == 1 && index.readers.at(y)[0]->op_type() == "Relu") {
        y = index.readers.at(y)[0]->output(0);
      }
      if (y == "logits") continue;
      ASSERT_EQ(index.readers.at(y).size(), 1u) << n.name();
      EXPECT_EQ(index.readers.at(y)[0]->op_type(), "QuantizeLinear") << n.name();
    }
    int want_layers = 0;
    for (const auto& node : m.graph.nodes) want_layers += node.op == "conv2d" || node.op == "linear";
    EXPECT_EQ(layers, want_layers);
  }
}

TEST(OnnxExport, Int8TernaryLayersKeepTheRuntimesFewIntegerLevels) {
  // A ternary channel's integers are 0 and, per sign, the top level or the two integers
  // around the other sign's real number of units: at most 5 distinct values.
  const format::ModelFile m = runtime_test::make_cifar_resnet(1, 8);
  const onnx::ModelProto model = onnx_export::export_onnx(m, OnnxPrecision::int8);
  const GraphIndex index(model.graph());
  int ternary = 0;
  for (const auto& [name, t] : m.tensors) {
    if (t.encoding == format::Encoding::fp32) continue;
    ++ternary;
    const onnx::TensorProto& q = *index.initializer.at(name + "_quantized");
    const std::string& bytes = q.raw_data();
    const size_t per_channel = bytes.size() / static_cast<size_t>(q.dims(0));
    int top = 0;
    for (int64_t o = 0; o < q.dims(0); ++o) {
      std::set<int> levels;
      for (size_t i = 0; i < per_channel; ++i) {
        const int v = static_cast<int8_t>(bytes[o * per_channel + i]);
        levels.insert(v);
        top = std::max(top, std::abs(v));
        // Zeros stay where the codes are 0.
        EXPECT_EQ(v == 0, t.codes[o * per_channel + i] == 0) << name << " channel " << o;
      }
      EXPECT_LE(levels.size(), 5u) << name << " channel " << o;
    }
    EXPECT_LE(top, 127) << name;
    EXPECT_GE(top, 64) << name << ": the larger of Wp, Wn is not near the top of s8";
  }
  EXPECT_GT(ternary, 0);
}

TEST(OnnxExport, Int8RunsInOrtAsQLinearOpsCloseToTheRuntime) {
  TempDir dir;
  for (const auto& [name, m] : models()) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name + ".onnx"), optimized = dir.file(name + ".optimized.onnx");
    onnx_export::save_onnx_model(onnx_export::export_onnx(m, OnnxPrecision::int8), path);
    const int batch = 8;
    const auto x = runtime_test::random_input(m, batch, 31);
    const auto reference = runtime_logits(m, x, batch, Precision::fp32_reference);
    const auto fast = runtime_logits(m, x, batch, Precision::fast);
    const auto got = run_in_ort(path, x, dims_of(m, batch), optimized);
    ASSERT_EQ(got.size(), reference.size());
    const double to_reference = relative_l2(got, reference), to_fast = relative_l2(got, fast);
    std::printf("%s int8: relative L2 error against the fp32 reference %.4f, against the u8 runtime %.4f "
                "(u8 runtime against the reference %.4f)\n",
                name.c_str(), to_reference, to_fast, relative_l2(fast, reference));
    EXPECT_LT(to_reference, 0.1);

    const auto counts = onnx_export::op_counts(onnx_export::load_onnx_model(optimized));
    int convs = 0;
    for (const auto& node : m.graph.nodes) convs += node.op == "conv2d";
    std::string listing;
    for (const auto& [op, n] : counts) listing += op + " " + std::to_string(n) + ", ";
    std::printf("%s int8, ORT's optimized graph: %s\n", name.c_str(), listing.c_str());
    EXPECT_EQ(onnx_export::op_count(counts, "Conv") + onnx_export::op_count(counts, "FusedConv"), 0) << listing;
    EXPECT_EQ(onnx_export::op_count(counts, "QLinearConv"), convs) << listing;
    EXPECT_EQ(onnx_export::op_count(counts, "Gemm") + onnx_export::op_count(counts, "MatMul"), 0) << listing;
  }
}

TEST(OnnxExport, Int8KeepsTheSignOfNegativeFoldedScales) {
  // A batch norm with a negative scale (gamma < 0): s8 scales must stay positive, so that
  // channel's integers change sign instead.
  format::ModelFile m = runtime_test::make_resnet_like(12);
  for (const char* bn : {"b1.conv1.bn.scale", "b2.conv2.bn.scale", "stem.bn.scale"}) {
    auto& scale = m.tensors.at(bn).values;
    for (size_t c = 0; c < scale.size(); c += 2) scale[c] = -scale[c];
  }
  runtime_test::calibrate(&m, 8, 1012);
  TempDir dir;
  const std::string path = dir.file("negative.onnx");
  onnx_export::save_onnx_model(onnx_export::export_onnx(m, OnnxPrecision::int8), path);
  const int batch = 8;
  const auto x = runtime_test::random_input(m, batch, 32);
  const auto reference = runtime_logits(m, x, batch, Precision::fp32_reference);
  const double error = relative_l2(run_in_ort(path, x, dims_of(m, batch)), reference);
  std::printf("negative scales int8: relative L2 error against the fp32 reference %.4f\n", error);
  EXPECT_LT(error, 0.1);
}

TEST(OnnxExport, Int8NeedsCalibrationAndSaysWhichActivationLacksIt) {
  format::ModelFile m = runtime_test::make_resnet_like(9);
  std::string missing;  // the first relu's output: a conv reads it, so it is quantized
  for (const auto& n : m.graph.nodes)
    if (n.op == "relu" && missing.empty()) missing = n.output;
  m.calibration.erase(missing);
  try {
    onnx_export::export_onnx(m, OnnxPrecision::int8);
    FAIL() << "exported without calibration";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + missing + "'"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(onnx_export::export_onnx(m, OnnxPrecision::fp32));  // fp32 needs none
}

}  // namespace
}  // namespace ttq::onnx_test
