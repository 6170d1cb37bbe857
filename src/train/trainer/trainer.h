// The training loop: fp32 training and quantized fine-tuning, with exact resume.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "train/trainer/train_config.h"

namespace ttq::train {

struct RunOptions {
  std::string output_dir;   // checkpoint.pt, metrics.jsonl, summary.json go here
  std::string resume_path;  // checkpoint (or its directory) to continue; empty: fresh run
  bool quiet = false;       // no progress lines (tests)
  // > 0: stop after this many epochs in this invocation (the schedule still spans
  // cfg.epochs), e.g. to fit a time limit; --resume continues the same run.
  int stop_after_epochs = 0;
  std::string command;      // the command line, recorded in summary.json
};

// Runs (or continues) the training cfg describes. Each epoch ends with a test-set
// evaluation, a checkpoint written atomically and metrics.jsonl rewritten.
// Returns the summary (also written to <output_dir>/summary.json).
nlohmann::json run_training(const TrainConfig& cfg, const RunOptions& run);

}  // namespace ttq::train
