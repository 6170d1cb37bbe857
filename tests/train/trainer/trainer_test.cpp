// The training loop: learning, exact resume, TTQ fine-tuning from fp32, errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "tiny_idx.h"
#include "tiny_run.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/lr_schedule.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/trainer.h"

namespace fs = std::filesystem;
using namespace ttq::train;

namespace {

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("ttq_trainer_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    ttq::test::write_tiny_mnist((root_ / "data").string(), 96, 40, 12);
  }
  void TearDown() override { fs::remove_all(root_); }

  TrainConfig config(int epochs) const {
    TrainConfig c = ttq::test::tiny_run_config((root_ / "data").string(), 7, 0.05, epochs);
    c.pad = 1;
    c.hflip = true;
    return c;
  }
  std::string dir(const std::string& name) const { return (root_ / name).string(); }

  // All parameters and buffers of the run's checkpoint.
  std::vector<std::pair<std::string, torch::Tensor>> state_of(const std::string& run) const {
    auto net = load_network(run).net;
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : net->named_parameters()) out.emplace_back(p.key(), p.value().clone());
    for (const auto& b : net->named_buffers()) out.emplace_back(b.key(), b.value().clone());
    return out;
  }

  void expect_same_state(const std::string& a, const std::string& b) const {
    const auto sa = state_of(a), sb = state_of(b);
    ASSERT_EQ(sa.size(), sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      ASSERT_EQ(sa[i].first, sb[i].first);
      EXPECT_TRUE(torch::equal(sa[i].second, sb[i].second)) << sa[i].first << " differs";
    }
  }

  fs::path root_;
};

RunOptions quiet_run(const std::string& output_dir, const std::string& resume_path = "") {
  RunOptions o;
  o.output_dir = output_dir;
  o.resume_path = resume_path;
  o.quiet = true;
  return o;
}

TEST_F(TrainerTest, ResumeContinuesBitForBit) {
  const auto straight = run_training(config(2), quiet_run(dir("straight")));
  RunOptions first = quiet_run(dir("split"));
  first.stop_after_epochs = 1;  // as if the run was stopped after epoch 1
  const auto half = run_training(config(2), first);
  EXPECT_EQ(half["epochs"], 1);
  EXPECT_FALSE(half["finished"].get<bool>());
  const auto resumed = run_training(config(2), quiet_run(dir("split"), dir("split")));
  expect_same_state(dir("straight"), dir("split"));
  EXPECT_EQ(straight["top1"], resumed["top1"]);
  EXPECT_EQ(resumed["epochs"], 2);
  // metrics.jsonl has one line per epoch, no duplicates after the resume.
  std::ifstream f(dir("split") + "/metrics.jsonl");
  int lines = 0;
  for (std::string l; std::getline(f, l);) ++lines;
  EXPECT_EQ(lines, 2);
  for (const auto& e : fs::directory_iterator(dir("split"))) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "temporary file left: " << e.path();
  }
}

TEST_F(TrainerTest, LearnsTheTinyProblem) {
  auto c = config(6);
  c.pad = 0;
  c.hflip = false;
  const auto s = run_training(c, quiet_run(dir("learn")));
  EXPECT_GT(s["top1"].get<double>(), 0.5) << s.dump();  // chance is 0.1
}

TEST_F(TrainerTest, TTQFineTuneFromFp32AndResume) {
  run_training(config(1), quiet_run(dir("fp32")));
  auto q = config(2);
  q.quant.method = "ttq";
  q.init_checkpoint = dir("fp32");
  q.lr = 0.01;
  const auto straight = run_training(q, quiet_run(dir("ttq")));
  RunOptions first = quiet_run(dir("ttq_split"));
  first.stop_after_epochs = 1;
  run_training(q, first);
  run_training(q, quiet_run(dir("ttq_split"), dir("ttq_split")));
  expect_same_state(dir("ttq"), dir("ttq_split"));

  // The quantized layers really are ternary, and first conv / last FC stay fp32.
  auto net = load_network(dir("ttq")).net;
  const auto layers = quantizable_layers(*net);
  EXPECT_FALSE(layers.front().layer->quantizer());
  EXPECT_FALSE(layers.back().layer->quantizer());
  torch::NoGradGuard ng;
  for (size_t i = 1; i + 1 < layers.size(); ++i) {
    ASSERT_TRUE(layers[i].layer->quantizer()) << layers[i].name;
    const auto distinct = std::get<0>(torch::_unique(layers[i].layer->effective_weight().flatten()));
    EXPECT_LE(distinct.numel(), 3) << layers[i].name;
  }
  EXPECT_TRUE(straight.contains("sparsity"));
  EXPECT_GT(straight["sparsity"].get<double>(), 0.0);
  EXPECT_LT(straight["size"]["ternary_bytes"].get<int64_t>(), straight["size"]["fp32_bytes"].get<int64_t>() / 4);
  EXPECT_DOUBLE_EQ(straight["size"]["bits_per_weight"].get<double>(), 2.0);

  // The summary's weight histograms: every latent weight counted once, and each
  // quantized layer's effective weights take at most 3 values.
  const auto& hist = straight["weight_histograms"];
  ASSERT_EQ(hist.size(), layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    int64_t total = 0;
    for (auto c : hist[i]["latent"]["counts"]) total += c.get<int64_t>();
    EXPECT_EQ(total, layers[i].layer->weight.numel()) << layers[i].name;
    EXPECT_EQ(hist[i]["quantized"].get<bool>(), bool(layers[i].layer->quantizer()));
    if (hist[i]["quantized"].get<bool>()) {
      EXPECT_LE(hist[i]["effective"]["values"].size(), 3u) << layers[i].name;
    }
  }
}

TEST_F(TrainerTest, BadInputsAreUserErrors) {
  run_training(config(1), quiet_run(dir("fp32")));
  auto q = config(1);
  q.quant.method = "ttq";
  q.model = "resnet32";
  q.init_checkpoint = dir("fp32");
  EXPECT_THROW(run_training(q, quiet_run(dir("x"))), ttq::ArgumentError);  // checkpoint of another model
  q.model = "resnet20";
  q.init_checkpoint = dir("nowhere");
  EXPECT_THROW(run_training(q, quiet_run(dir("x"))), ttq::FileError);
  {
    std::ofstream bad(dir("bad.pt"), std::ios::binary);
    bad << "this is not a checkpoint";
  }
  q.init_checkpoint = dir("bad.pt");
  EXPECT_THROW(run_training(q, quiet_run(dir("x"))), ttq::FormatError);
  auto c = config(1);
  c.data_path = dir("no_data_here");
  EXPECT_THROW(run_training(c, quiet_run(dir("y"))), ttq::FileError);
  c = config(1);
  c.optimizer = "rmsprop";
  EXPECT_THROW(run_training(c, quiet_run(dir("z"))), ttq::ArgumentError);
}

TEST(LearningRate, Schedules) {
  TrainConfig c;
  c.lr = 0.1;
  c.epochs = 10;
  c.schedule = "cosine";
  EXPECT_DOUBLE_EQ(learning_rate(c, 0, 0.0), 0.1);
  EXPECT_NEAR(learning_rate(c, 5, 0.0), 0.05, 1e-12);
  EXPECT_NEAR(learning_rate(c, 9, 0.999999), 0.0, 1e-6);
  c.schedule = "step";
  c.milestones = {3, 6};
  EXPECT_DOUBLE_EQ(learning_rate(c, 2, 0.5), 0.1);
  EXPECT_NEAR(learning_rate(c, 3, 0.0), 0.01, 1e-12);
  EXPECT_NEAR(learning_rate(c, 7, 0.0), 0.001, 1e-12);
  c.schedule = "bogus";
  EXPECT_THROW(learning_rate(c, 0, 0.0), ttq::ArgumentError);
}

}  // namespace
