// The training loop: fp32 training and quantized fine-tuning, with exact resume.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "train/trainer/train_config.h"

namespace ttq::train {

// Data-parallel training (src/train/distributed). The job's shape (rank, world size, master)
// comes from RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT; a world of 1 trains in-process as before.
struct DistributedOptions {
  bool sync_bn = false;      // BatchNorm statistics over the global batch (2 ranks == 1 rank)
  int timeout_seconds = 300; // a collective that waits longer ends the job
  int nproc_per_node = 1;    // > 1: the CLI starts this many local ranks (see dist/launcher.h)
};

struct RunOptions {
  std::string output_dir;   // checkpoint.pt, metrics.jsonl, summary.json go here
  std::string resume_path;  // checkpoint (or its directory) to continue; empty: fresh run
  bool quiet = false;       // no progress lines (tests)
  // > 0: stop after this many epochs in this invocation (the schedule still spans
  // cfg.epochs), e.g. to fit a time limit; --resume continues the same run.
  int stop_after_epochs = 0;
  std::string command;      // the command line, recorded in summary.json
  DistributedOptions dist;
  // "bf16" runs forward/backward under autocast (not with fake-quantized activations);
  // channels_last stores activations and weights NHWC (oneDNN's preferred layout).
  std::string amp = "none";
  bool channels_last = false;
};

// Runs (or continues) the training cfg describes. Each epoch ends with a test-set
// evaluation, a checkpoint written atomically and metrics.jsonl rewritten.
// Returns the summary (also written to <output_dir>/summary.json).
// Data-parallel: --batch-size is the GLOBAL batch (each of W ranks takes batch/W images of
// the same global batch), so W ranks follow 1 rank's schedule and --resume may change W.
// Only rank 0 writes files and returns the summary; other ranks return an empty object.
nlohmann::json run_training(const TrainConfig& cfg, const RunOptions& run);

}  // namespace ttq::train
