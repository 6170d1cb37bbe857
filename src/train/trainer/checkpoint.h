// Checkpoints: model state, optimizer state and the run's metadata in one
// LibTorch archive, written atomically (temporary file + rename).
#pragma once

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "train/trainer/train_config.h"

namespace torch::nn { class Module; }
namespace torch::optim { class Optimizer; }

namespace ttq::train {

struct CheckpointMeta {
  TrainConfig config;
  int epochs_done = 0;
  std::array<int64_t, 3> input_shape{};  // C, H, W
  int num_classes = 0;
  nlohmann::json history = nlohmann::json::array();  // one object per finished epoch
};

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta);
// Throws FileError / FormatError with the path when it is missing or not a ttq checkpoint.
CheckpointMeta read_checkpoint_meta(const std::string& path);
// Loads parameters and buffers; the model must have the checkpoint's structure
// (quantizers attached iff the checkpoint has them). Throws FormatError on mismatch.
void load_checkpoint_model(const std::string& path, torch::nn::Module& model);
void load_checkpoint_optimizer(const std::string& path, torch::optim::Optimizer& optimizer);
// "runs/x" -> "runs/x/checkpoint.pt"; a file path stays as it is.
std::string resolve_checkpoint_path(const std::string& path_or_dir);

}  // namespace ttq::train
