#include "train/trainer/evaluate.h"

#include <chrono>

#include "data/batch_loader.h"
#include "train/models/network.h"

namespace ttq::train {

EvalResult evaluate(Network& net, const data::Dataset& dataset, const Normalization& norm, int batch_size,
                    c10::Device device, int workers) {
  const auto start = std::chrono::steady_clock::now();
  const bool was_training = net.is_training();
  net.eval();
  torch::NoGradGuard no_grad;
  data::BatchLoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = false;
  o.drop_last = false;
  o.mean = norm.mean;
  o.std = norm.std;
  o.workers = workers;
  data::BatchLoader loader(dataset, o);
  loader.start_epoch(0);
  const auto s = dataset.shape();
  EvalResult r;
  data::Batch batch;
  double loss_sum = 0;
  int64_t top1 = 0, top5 = 0;
  while (loader.next(batch)) {
    auto x = torch::from_blob(batch.images.data(), {batch.n, s.channels, s.height, s.width}).to(device);
    auto y = torch::from_blob(batch.labels.data(), {batch.n}, torch::kInt64).to(device);
    auto logits = net.forward(x);
    loss_sum += torch::nn::functional::cross_entropy(logits, y).item<double>() * batch.n;
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    auto topk = std::get<1>(logits.topk(k, 1));
    auto hits = topk.eq(y.unsqueeze(1));
    top1 += hits.narrow(1, 0, 1).sum().item<int64_t>();
    top5 += hits.sum().item<int64_t>();
    r.count += batch.n;
  }
  if (r.count > 0) {
    r.top1 = double(top1) / r.count;
    r.top5 = double(top5) / r.count;
    r.loss = loss_sum / r.count;
  }
  if (was_training) net.train();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace ttq::train
