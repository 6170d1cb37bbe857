// Everything that defines a training run. Stored in every checkpoint so that
// `--resume` continues the same run and `eval` rebuilds the same model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ttq::train {

struct QuantConfig {
  // "none" (fp32), "ttq", or a baseline: "twn", "bwn", "dorefa", "int8-qat",
  // "prune", "kmeans" (Deep Compression's two training stages)
  std::string method = "none";
  std::string threshold_mode = "t";  // "t" or "sparsity"
  double t = 0.05;
  double sparsity = 0.5;
  std::string init = "one";          // "one", "data" or "weights" (--scale-init)
  std::string wn_grad_sign = "true";  // "true" (chain rule) or "paper" (eq. 2 as printed)
  bool quantize_first_conv = false;
  bool quantize_last_fc = false;
  std::vector<std::string> exclude;
  bool weight_decay_on_scales = true;  // the authors' code decays Wp/Wn too
  double latent_grad_scale = 1.0;      // multiplies the latent weights' gradients (an experiment)
  int weight_bits = 2;        // DoReFa weights; k-means: log2 of the cluster count
  int act_bits = 0;           // DoReFa / INT8 QAT input activations (0: fp32)
  double prune_fraction = 0.5;  // Deep Compression: fraction of weights pruned
  std::string centroid_grad = "mean";  // k-means: "mean" or "sum" (the paper's) over a cluster
};

struct TrainConfig {
  // What
  std::string model = "resnet20";
  std::string dataset = "fashion-mnist";
  std::string data_path;
  int num_classes = 0;  // 0: from the data set
  // How long, how fast
  int epochs = 10;
  int batch_size = 128;
  std::string optimizer = "sgd";  // "sgd" or "adam"
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 2e-4;
  std::string schedule = "cosine";  // "cosine", "step" or "constant"
  std::vector<int> milestones;      // step schedule: epochs where lr *= gamma
  double gamma = 0.1;
  int warmup_epochs = 0;
  // Data
  int pad = 0;          // random-crop padding (0: no crop)
  bool hflip = false;
  int workers = 2;      // background batch threads
  int64_t train_limit = 0;  // 0: all; otherwise use the first N training images (tests)
  int64_t test_limit = 0;
  // Machine
  int threads = 0;      // 0: all cores
  std::string device = "cpu";
  uint64_t seed = 0;
  // Quantization
  QuantConfig quant;
  std::string init_checkpoint;  // fp32 checkpoint a TTQ run starts from

  nlohmann::json to_json() const;
  static TrainConfig from_json(const nlohmann::json& j);
  bool quantized() const { return quant.method != "none"; }
};

}  // namespace ttq::train
