// TTQ training-step overhead: times fp32 and TTQ steps of the same model, batch
// and threads in one process, interleaved so machine noise hits both alike, and
// prints the ratio (target <= 1.10).
//   bench_train_step [--model resnet20] [--input 1x28x28] [--batch 128] [--threads 2] [--steps 20]
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "train/models/model_zoo.h"
#include "train/models/network.h"
#include "train/quant/apply_quantization.h"
#include "train/quant/ttq_quantizer.h"

using namespace ttq::train;

namespace {

struct Stepper {
  std::shared_ptr<Network> net;
  std::unique_ptr<torch::optim::SGD> opt;
  double step(const torch::Tensor& x, const torch::Tensor& y) {
    const auto t0 = std::chrono::steady_clock::now();
    opt->zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt->step();
    constrain_quantizers(*net);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TTQ vs fp32 training step time"};
  std::string model = "resnet20";
  int64_t c = 1, h = 28, w = 28, classes = 10;
  int batch = 128, threads = 2, steps = 20;
  app.add_option("--model", model);
  app.add_option("--channels", c);
  app.add_option("--size", h);
  app.add_option("--batch", batch);
  app.add_option("--threads", threads);
  app.add_option("--steps", steps);
  CLI11_PARSE(app, argc, argv);
  w = h;
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  ModelOptions o;
  o.in_channels = c;
  o.height = h;
  o.width = w;
  o.num_classes = classes;
  auto make = [&](bool ttq) {
    Stepper s;
    s.net = make_model(model, o);
    if (ttq) attach_ttq(*s.net, QuantSelection{}, TTQOptions{});
    s.opt = std::make_unique<torch::optim::SGD>(s.net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    return s;
  };
  Stepper fp32 = make(false), ttq = make(true);
  auto x = torch::randn({batch, c, h, w});
  auto y = torch::randint(0, classes, {batch});
  for (int i = 0; i < 3; ++i) {  // warm-up
    fp32.step(x, y);
    ttq.step(x, y);
  }
  std::vector<double> tf, tt;
  for (int i = 0; i < steps; ++i) {
    tf.push_back(fp32.step(x, y));
    tt.push_back(ttq.step(x, y));
  }
  const double mf = median(tf), mt = median(tt);
  nlohmann::json out = {{"model", model},         {"input", {c, h, w}},        {"batch", batch},
                        {"threads", threads},     {"steps", steps},            {"fp32_step_ms", 1e3 * mf},
                        {"ttq_step_ms", 1e3 * mt}, {"ttq_over_fp32", mt / mf}, {"cpu", cpu_model()}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
