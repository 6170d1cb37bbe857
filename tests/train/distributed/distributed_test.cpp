// Data-parallel training through the real `ttq` binary: 2 ranks on 127.0.0.1 equal 1 rank
// with the same global batch (fp32 with --sync-bn, and TTQ's Wp/Wn); --resume with another
// rank count; a killed or hung rank ends the job with a message; bad flags exit 2.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tiny_idx.h"
#include "train/models/network.h"
#include "train/trainer/model_builder.h"

namespace fs = std::filesystem;
using namespace ttq::train;

namespace {

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
  double seconds = 0;
};

Result run(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  Result r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("ttq_dist_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    ttq::test::write_tiny_mnist((root_ / "data").string(), 128, 40, 12);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string dir(const std::string& name) const { return (root_ / name).string(); }

  // 128 images / global batch 32 = 4 steps an epoch; augmentation on, so the data order,
  // crops and flips must also agree between 1 and 2 ranks.
  std::string train_flags(const std::string& out, int epochs = 1, int timeout = 60, int batch = 32) const {
    return " --model resnet20 --dataset mnist --data-path " + dir("data") + " --epochs " + std::to_string(epochs) +
           " --batch-size " + std::to_string(batch) + " --lr 0.05 --threads 1 --workers 0 --seed 3 --pad 1 --hflip" +
           " --quiet --dist-timeout " + std::to_string(timeout) + " --output-dir " + out;
  }

  static void expect_same_state(const std::string& a, const std::string& b, double tol) {
    auto na = load_network(a).net;
    auto nb = load_network(b).net;
    auto pa = na->named_parameters();
    auto pb = nb->named_parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (const auto& p : pa) {
      const auto& q = pb[p.key()];
      const double diff = (p.value() - q).abs().max().item<double>();
      EXPECT_LT(diff, tol) << "parameter " << p.key();
    }
    auto ba = na->named_buffers();
    auto bb = nb->named_buffers();
    ASSERT_EQ(ba.size(), bb.size());
    for (const auto& p : ba) {
      const double diff = (p.value().to(torch::kDouble) - bb[p.key()].to(torch::kDouble)).abs().max().item<double>();
      EXPECT_LT(diff, tol) << "buffer " << p.key();
    }
  }

  static double max_difference(const std::string& a, const std::string& b) {
    auto pa = load_network(a).net->named_parameters();
    auto pb = load_network(b).net->named_parameters();
    double m = 0;
    for (const auto& p : pa) m = std::max(m, (p.value() - pb[p.key()]).abs().max().item<double>());
    return m;
  }

  fs::path root_;
};

const std::string kTtq = TTQ_BINARY;

TEST_F(DistributedTest, TwoRanksWithSyncBnEqualOneRank) {
  const Result one = run(kTtq + " train" + train_flags(dir("one")));
  ASSERT_EQ(one.status, 0) << one.output;
  const Result two = run(kTtq + " train --nproc-per-node 2 --sync-bn" + train_flags(dir("two")));
  ASSERT_EQ(two.status, 0) << two.output;
  expect_same_state(dir("one"), dir("two"), 2e-4);
  // The weights did move (the comparison is not between two untouched initialisations):
  // the trainer seeds the initial weights with --seed.
  torch::manual_seed(3);
  auto init = build_network(load_network(dir("one")).meta.config, {1, 12, 12}, 10);
  auto trained = load_network(dir("two")).net->named_parameters();
  double moved = 0;
  for (const auto& p : init->named_parameters()) moved = std::max(moved, (p.value() - trained[p.key()]).abs().max().item<double>());
  EXPECT_GT(moved, 1e-3);
  std::ifstream s(dir("two") + "/summary.json");
  const auto summary = nlohmann::json::parse(s);
  EXPECT_EQ(summary["distributed"]["world_size"], 2);
  EXPECT_EQ(summary["distributed"]["per_rank_batch"], 16);
  // Rank 0 alone printed the summary.
  const size_t first = two.output.find("\"finished\"");
  EXPECT_NE(first, std::string::npos) << two.output;
  EXPECT_EQ(first, two.output.rfind("\"finished\"")) << two.output;
}

TEST_F(DistributedTest, WithoutSyncBnTwoRanksDifferFromOneRank) {
  // Per-rank BatchNorm statistics (batch 16 each) are a different computation: this is what
  // --sync-bn is for, and it shows the equality above is not trivially true.
  ASSERT_EQ(run(kTtq + " train" + train_flags(dir("one"))).status, 0);
  const Result two = run(kTtq + " train --nproc-per-node 2" + train_flags(dir("two")));
  ASSERT_EQ(two.status, 0) << two.output;
  EXPECT_GT(max_difference(dir("one"), dir("two")), 1e-3);
}

TEST_F(DistributedTest, TtqScalesAreAveragedAcrossRanks) {
  ASSERT_EQ(run(kTtq + " train" + train_flags(dir("fp32"))).status, 0);
  const std::string q = " --from " + dir("fp32");
  const Result one = run(kTtq + " quantize" + train_flags(dir("q1")) + q);
  ASSERT_EQ(one.status, 0) << one.output;
  const Result two = run(kTtq + " quantize --nproc-per-node 2 --sync-bn" + train_flags(dir("q2")) + q);
  ASSERT_EQ(two.status, 0) << two.output;
  expect_same_state(dir("q1"), dir("q2"), 2e-4);
}

TEST_F(DistributedTest, ResumeWithAnotherRankCount) {
  ASSERT_EQ(run(kTtq + " train" + train_flags(dir("one"), 2)).status, 0);
  const Result first = run(kTtq + " train --nproc-per-node 2 --sync-bn --stop-after-epochs 1" + train_flags(dir("mixed"), 2));
  ASSERT_EQ(first.status, 0) << first.output;
  const Result rest = run(kTtq + " train --quiet --resume " + dir("mixed"));
  ASSERT_EQ(rest.status, 0) << rest.output;
  expect_same_state(dir("one"), dir("mixed"), 5e-4);
}

TEST_F(DistributedTest, KilledRankEndsTheOtherWithAMessage) {
  // torchrun style: two processes started with RANK/WORLD_SIZE/MASTER_* set, no launcher.
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port()) +
                          " TTQ_TEST_FAIL_RANK=1:2:kill ";
  const std::string flags = train_flags(dir("run"), 3, 30);
  const Result r = run("(" + env + "RANK=1 " + kTtq + " train" + flags + " >/dev/null 2>&1 &) ; " + env + "RANK=0 " +
                       kTtq + " train" + flags);
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("ttq: error: rank 0/2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the job stops"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 30) << r.output;
}

TEST_F(DistributedTest, HungRankEndsTheJobWithinTheTimeout) {
  const Result r = run("TTQ_TEST_FAIL_RANK=1:2:hang " + kTtq + " train --nproc-per-node 2" + train_flags(dir("run"), 3, 4));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("ttq: error: rank 0/2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("within 4 s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("launcher: rank 0 exited with status 1"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 40) << r.output;
}

TEST_F(DistributedTest, BadFlagsExitTwo) {
  const Result zero = run(kTtq + " train --nproc-per-node 0" + train_flags(dir("a")));
  EXPECT_EQ(zero.status, 2) << zero.output;
  const Result odd = run(kTtq + " train --nproc-per-node 2" + train_flags(dir("b"), 1, 60, 33));
  EXPECT_EQ(odd.status, 2) << odd.output;
  EXPECT_NE(odd.output.find("global batch"), std::string::npos) << odd.output;
  const Result timeout = run(kTtq + " train" + train_flags(dir("c"), 1, 0));
  EXPECT_EQ(timeout.status, 2) << timeout.output;
}

TEST_F(DistributedTest, Bf16AutocastAndChannelsLastTrainAStep) {
  const Result r = run(kTtq + " train --amp bf16 --channels-last" + train_flags(dir("amp")));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream s(dir("amp") + "/summary.json");
  const auto summary = nlohmann::json::parse(s);
  EXPECT_EQ(summary["amp"], "bf16");
  EXPECT_TRUE(std::isfinite(summary["history"][0]["train_loss"].get<double>()));
  // The checkpoint is an ordinary (contiguous) one that eval loads.
  EXPECT_EQ(run(kTtq + " eval " + dir("amp") + " --threads 1").status, 0);
}

// TTQ under autocast: the scales still get their gradients (the conv casts the fp32
// effective weight, and autograd casts the gradient back); fake-quantized activations
// would be rounded twice, so that combination is refused.
TEST_F(DistributedTest, Bf16AutocastTrainsTtqButNotQuantizedActivations) {
  ASSERT_EQ(run(kTtq + " train" + train_flags(dir("fp32"))).status, 0);
  const Result r = run(kTtq + " quantize --amp bf16 --channels-last --from " + dir("fp32") + train_flags(dir("ttq")));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream s(dir("ttq") + "/summary.json");
  const auto summary = nlohmann::json::parse(s);
  EXPECT_EQ(summary["amp"], "bf16");
  EXPECT_TRUE(std::isfinite(summary["history"][0]["train_loss"].get<double>()));
  int moved = 0, layers = 0;
  for (const auto& l : summary["history"][0]["layers"]) {
    ++layers;
    const double wp = l["wp"], wn = l["wn"];
    EXPECT_TRUE(std::isfinite(wp) && std::isfinite(wn)) << l["name"];
    moved += wp != 1.0 && wn != 1.0;  // both start at 1
  }
  EXPECT_GT(layers, 10);
  EXPECT_EQ(moved, layers);
  const Result act = run(kTtq + " quantize --amp bf16 --quant dorefa --act-bits 4 --from " + dir("fp32") +
                         train_flags(dir("dorefa")));
  EXPECT_EQ(act.status, 2) << act.output;
  EXPECT_NE(act.output.find("--act-bits 0"), std::string::npos) << act.output;
  EXPECT_FALSE(fs::exists(dir("dorefa") + "/checkpoint.pt"));
}

}  // namespace
