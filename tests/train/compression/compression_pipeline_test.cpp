// End to end on a tiny MNIST: fp32 -> prune -> kmeans with run_training, the coded
// file, and post-training INT8 / FP16 on the fp32 checkpoint.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "../trainer/tiny_idx.h"
#include "../trainer/tiny_run.h"
#include "common/error.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/ptq/run_ptq.h"
#include "train/quant/compression/compress_network.h"
#include "train/quant/compression/kmeans_quantizer.h"
#include "train/quant/compression/prune_quantizer.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/model_size.h"
#include "train/trainer/trainer.h"

namespace fs = std::filesystem;
using namespace ttq::train;

namespace {

class CompressionPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("ttq_compression_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    ttq::test::write_tiny_mnist((root_ / "data").string(), 96, 40, 12);
    run_training(config("none"), quiet(dir("fp32")));
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static TrainConfig config(const std::string& method) {
    TrainConfig c = ttq::test::tiny_run_config((root_ / "data").string(), 3, 0.05);
    c.quant.method = method;
    return c;
  }
  static std::string dir(const std::string& name) { return (root_ / name).string(); }
  static RunOptions quiet(const std::string& output_dir) {
    RunOptions o;
    o.output_dir = output_dir;
    o.quiet = true;
    return o;
  }

  static fs::path root_;
};
fs::path CompressionPipeline::root_;

TEST_F(CompressionPipeline, PruneThenKMeansThenHuffman) {
  TrainConfig prune = config("prune");
  prune.quant.prune_fraction = 0.6;
  prune.init_checkpoint = dir("fp32");
  run_training(prune, quiet(dir("prune")));
  {
    auto net = load_network(dir("prune")).net;
    for (const auto& l : quantizable_layers(*net)) {
      auto q = std::dynamic_pointer_cast<PruneQuantizerImpl>(l.layer->quantizer());
      if (!q) continue;
      const torch::Tensor pruned = q->mask == 0;
      EXPECT_NEAR(pruned.to(torch::kFloat64).mean().item<double>(), 0.6, 0.5 / double(q->mask.numel()) + 1e-9);
      // Retraining kept the pruned latent weights at exactly zero.
      EXPECT_EQ(l.layer->weight.masked_select(pruned).abs().sum().item<float>(), 0.0f) << l.name;
    }
  }

  TrainConfig kmeans = config("kmeans");
  kmeans.quant.weight_bits = 3;
  kmeans.quant.centroid_grad = "sum";  // not the default: the loaded network must keep it
  kmeans.init_checkpoint = dir("prune");
  const auto summary = run_training(kmeans, quiet(dir("kmeans")));
  auto loaded = load_network(dir("kmeans"));
  auto pruned_net = load_network(dir("prune")).net;
  const auto pruned_layers = quantizable_layers(*pruned_net);
  int64_t coded_bytes = 0;
  int kmeans_layers = 0;
  const auto layers = quantizable_layers(*loaded.net);
  for (size_t i = 0; i < layers.size(); ++i) {
    auto q = std::dynamic_pointer_cast<KMeansQuantizerImpl>(layers[i].layer->quantizer());
    if (!q) continue;
    ++kmeans_layers;
    EXPECT_EQ(q->gradient, KMeansQuantizerImpl::CentroidGradient::sum) << layers[i].name;
    torch::NoGradGuard no_grad;
    const torch::Tensor w = layers[i].layer->effective_weight();
    // The prune stage's zeros are exactly the k-means stage's pruned weights.
    const auto prune_q = std::dynamic_pointer_cast<PruneQuantizerImpl>(pruned_layers[i].layer->quantizer());
    ASSERT_TRUE(prune_q);
    EXPECT_TRUE(torch::equal(w == 0, prune_q->mask == 0)) << layers[i].name;
    EXPECT_LE(std::get<0>(at::_unique(w.flatten())).numel(), 8 + 1);  // 2^3 centroids and 0
    coded_bytes += q->packed_bytes(layers[i].layer->weight);
  }
  EXPECT_GT(kmeans_layers, 10);

  // The coded file holds every k-means layer; it decodes to the network's effective weights.
  const auto entries = compress_network(*loaded.net);
  const std::string file = dir("kmeans.ttqdc");
  compression::write_compressed_file(file, entries);
  int64_t file_coded = 0;
  for (const auto& e : compression::read_compressed_file(file)) {
    if (e.kind != compression::EntryKind::shared_weights) continue;
    file_coded += int64_t(e.bytes.size());
    const std::string layer_name = e.name.substr(0, e.name.size() - std::string(".weight").size());
    for (const auto& l : layers) {
      if (l.name != layer_name) continue;
      torch::NoGradGuard no_grad;
      EXPECT_TRUE(torch::equal(torch::tensor(compression::entry_values(e)), l.layer->effective_weight().flatten()))
          << e.name;
    }
  }
  EXPECT_EQ(file_coded, coded_bytes);
  const SizeReport size = size_report(*loaded.net);
  EXPECT_LT(size.bits_per_weight(), 3.0);
  EXPECT_EQ(summary["size"]["packed_bytes"].get<int64_t>(), size.packed_bytes);

  // A checkpoint without k-means layers cannot be coded; ptq wants an fp32 one.
  EXPECT_THROW(compress_network(*pruned_net), ttq::ArgumentError);
  PtqOptions ptq;
  ptq.checkpoint = dir("prune");
  ptq.threads = 1;
  EXPECT_THROW(run_ptq(ptq), ttq::ArgumentError);
}

TEST_F(CompressionPipeline, PostTrainingInt8AndFp16) {
  PtqOptions o;
  o.checkpoint = dir("fp32");
  o.calib = 48;
  o.threads = 1;
  o.output_dir = dir("ptq-int8");
  o.command = "test";
  const auto s = run_ptq(o);
  EXPECT_EQ(s["method"], "int8-ptq-per-channel-sym");
  EXPECT_EQ(s["epochs"], 0);
  EXPECT_TRUE(fs::exists(dir("ptq-int8") + "/summary.json"));
  const int selected = int(quantizable_layers(*load_network(dir("fp32")).net).size()) - 2;  // not first conv, last FC
  ASSERT_EQ(int(s["sqnr"].size()), selected);
  for (const auto& row : s["sqnr"]) {
    EXPECT_GT(row["sqnr_db"].get<double>(), 30.0) << row["layer"];        // 8-bit weights: ~40 dB
    EXPECT_GT(row["output_sqnr_db"].get<double>(), 10.0) << row["layer"];  // accumulated through the net
  }
  EXPECT_EQ(s["size"]["bits_per_weight"].get<double>(), 8.0);
  // Calibrated INT8 agrees with fp32 to within a few of the 40 test images.
  std::ifstream fp32_summary(dir("fp32") + "/summary.json");
  const double fp32_top1 = nlohmann::json::parse(fp32_summary)["top1"].get<double>();
  EXPECT_NEAR(s["top1"].get<double>(), fp32_top1, 0.1);

  o.method = "fp16";
  o.activations = false;
  o.output_dir.clear();
  const auto h = run_ptq(o);
  EXPECT_EQ(h["method"], "fp16");
  EXPECT_EQ(h["top1"].get<double>(), fp32_top1);
  for (const auto& row : h["sqnr"]) EXPECT_GT(row["sqnr_db"].get<double>(), 60.0);  // 11-bit mantissa
  EXPECT_EQ(h["size"]["bits_per_weight"].get<double>(), 16.0);

  o.method = "int4";
  EXPECT_THROW(run_ptq(o), ttq::ArgumentError);
  o.method = "int8";
  o.checkpoint = dir("missing");
  EXPECT_THROW(run_ptq(o), ttq::FileError);
}

}  // namespace
