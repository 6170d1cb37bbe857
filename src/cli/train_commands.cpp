// ttq train / quantize / eval: flags in the style of torchvision's reference scripts.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/error.h"
#include "train/distributed/dist_env.h"
#include "train/distributed/dist_error.h"
#include "train/distributed/launcher.h"
#include "train/models/network.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/data_setup.h"
#include "train/trainer/evaluate.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/model_size.h"
#include "train/trainer/trainer.h"

namespace ttq::cli {
namespace {

struct TrainFlags {
  train::TrainConfig cfg;
  train::RunOptions run;
};

// Flags shared by train and quantize.
void add_training_flags(CLI::App* c, TrainFlags& f) {
  auto& cfg = f.cfg;
  c->add_option("--model", cfg.model, "architecture (resnet20, resnet18, ...; see `ttq info --list`)");
  c->add_option("--dataset", cfg.dataset, "mnist, fashion-mnist, cifar10, cifar100, imagefolder, tiny-imagenet");
  c->add_option("--data-path", cfg.data_path, "folder holding the data set files");
  c->add_option("--epochs", cfg.epochs, "total epochs")->check(CLI::PositiveNumber);
  c->add_option("-b,--batch-size", cfg.batch_size, "images per step")->check(CLI::PositiveNumber);
  c->add_option("--opt", cfg.optimizer, "sgd or adam")->check(CLI::IsMember({"sgd", "adam"}));
  c->add_option("--lr", cfg.lr, "initial learning rate")->check(CLI::PositiveNumber);
  c->add_option("--momentum", cfg.momentum, "SGD momentum");
  c->add_flag("--nesterov", cfg.nesterov, "Nesterov momentum");
  c->add_option("--wd,--weight-decay", cfg.weight_decay, "weight decay");
  c->add_option("--lr-scheduler", cfg.schedule, "cosine, step or constant")
      ->check(CLI::IsMember({"cosine", "step", "constant"}));
  c->add_option("--lr-milestones", cfg.milestones, "epochs where the step schedule multiplies lr by --lr-gamma");
  c->add_option("--lr-gamma", cfg.gamma, "step schedule factor");
  c->add_option("--lr-warmup-epochs", cfg.warmup_epochs, "linear warm-up epochs");
  c->add_option("--pad", cfg.pad, "random-crop padding in pixels (0: no crop)");
  c->add_flag("--hflip", cfg.hflip, "random horizontal flips");
  c->add_option("-j,--workers", cfg.workers, "background data threads");
  c->add_option("--train-limit", cfg.train_limit, "use only the first N training images");
  c->add_option("--test-limit", cfg.test_limit, "use only the first N test images");
  c->add_option("--threads", cfg.threads, "compute threads (0: all cores)");
  c->add_option("--device", cfg.device, "cpu or cuda");
  c->add_option("--seed", cfg.seed, "seed of initialisation, data order and augmentation");
  c->add_option("--output-dir", f.run.output_dir, "where checkpoint.pt, metrics.jsonl and summary.json go");
  c->add_option("--resume", f.run.resume_path, "continue the run of this checkpoint (or its directory)");
  c->add_flag("--quiet", f.run.quiet, "no progress lines");
  c->add_option("--stop-after-epochs", f.run.stop_after_epochs,
                "stop after N epochs of this invocation (the schedule still spans --epochs); --resume continues");
  c->add_option("--nproc-per-node", f.run.dist.nproc_per_node,
                "data-parallel: start N ranks on this machine (--batch-size stays the global batch)")
      ->check(CLI::PositiveNumber);
  c->add_option("--dist-timeout", f.run.dist.timeout_seconds,
                "seconds a rank waits for the others before the whole job stops")
      ->check(CLI::PositiveNumber);
  c->add_flag("--sync-bn", f.run.dist.sync_bn, "BatchNorm statistics over the global batch (all ranks)");
  c->add_option("--amp", f.run.amp, "none or bf16 (autocast; not with --act-bits)")->check(CLI::IsMember({"none", "bf16"}));
  c->add_flag("--channels-last", f.run.channels_last, "NHWC memory format");
}

void add_quant_flags(CLI::App* c, train::QuantConfig& q) {
  c->add_option("--quant", q.method, "ttq, or a baseline: twn, bwn, dorefa, int8-qat, prune, kmeans")
      ->check(CLI::IsMember({"ttq", "twn", "bwn", "dorefa", "int8-qat", "prune", "kmeans"}));
  c->add_option("--weight-bits", q.weight_bits, "dorefa: bits per weight; kmeans: log2 of the cluster count")
      ->check(CLI::Range(1, 8));
  c->add_option("--act-bits", q.act_bits, "dorefa / int8-qat: bits of the input activations (0: fp32)")
      ->check(CLI::Range(0, 8));
  c->add_option("--prune", q.prune_fraction, "prune: fraction of weights set to zero")->check(CLI::Range(0.0, 1.0));
  c->add_option("--centroid-grad", q.centroid_grad,
                "kmeans: a centroid's gradient is the mean (default) or the sum (the paper's) over its cluster")
      ->check(CLI::IsMember({"mean", "sum"}));
  c->add_option("--threshold-mode", q.threshold_mode, "t (delta = t * max|w|) or sparsity")
      ->check(CLI::IsMember({"t", "sparsity"}));
  c->add_option("--t", q.t, "threshold factor t (paper: 0.05)")->check(CLI::Range(0.0, 1.0));
  c->add_option("--sparsity", q.sparsity, "target fraction of zeros r in sparsity mode")->check(CLI::Range(0.0, 1.0));
  c->add_option("--scale-init", q.init,
                 "Wp/Wn start: one (the authors'), data (mean |w|/max|w| of each set) or weights (mean |w| of each "
                 "set: the fp32 layer's scale)")
      ->check(CLI::IsMember({"one", "data", "weights"}));
  c->add_option("--wn-grad", q.wn_grad_sign,
                "true (chain rule) or paper (eq. 2's printed sign, as in TropComplique's Tiny ImageNet replication)")
      ->check(CLI::IsMember({"true", "paper"}));
  c->add_flag("--quantize-first-conv", q.quantize_first_conv, "quantize the first conv too");
  c->add_flag("--quantize-last-fc", q.quantize_last_fc, "quantize the last FC too (the authors' CIFAR code)");
  c->add_option("--exclude", q.exclude, "layer names to keep in fp32");
  c->add_flag("!--no-scale-decay", q.weight_decay_on_scales, "no weight decay on Wp/Wn");
  c->add_option("--latent-grad-scale", q.latent_grad_scale,
                "multiply the quantized layers' latent weight gradients (experiment; 1: off)")
      ->check(CLI::PositiveNumber);
}

// On --resume the run's config comes from the checkpoint; only these may change.
train::TrainConfig merge_resumed(const train::TrainConfig& cli, const train::TrainConfig& saved, CLI::App* c) {
  train::TrainConfig cfg = saved;
  if (c->count("--epochs")) cfg.epochs = cli.epochs;
  if (c->count("--threads")) cfg.threads = cli.threads;
  if (c->count("--workers")) cfg.workers = cli.workers;
  if (c->count("--device")) cfg.device = cli.device;
  if (c->count("--data-path")) cfg.data_path = cli.data_path;
  return cfg;
}

void run_train(CLI::App* c, TrainFlags& f) {
  train::TrainConfig cfg = f.cfg;
  if (!f.run.resume_path.empty()) {
    const std::string ckpt = train::resolve_checkpoint_path(f.run.resume_path);
    cfg = merge_resumed(f.cfg, train::read_checkpoint_meta(ckpt).config, c);
    if (f.run.output_dir.empty()) f.run.output_dir = ckpt.substr(0, ckpt.find_last_of('/'));
  }
  if (cfg.data_path.empty()) throw ArgumentError("no --data-path given", "point it at the folder holding the data set");
  if (f.run.dist.nproc_per_node > 1 && !train::dist::launched_as_rank()) {
    // The launcher: start the ranks (this same command line) and supervise them.
    train::dist::LaunchOptions lo;
    lo.nproc_per_node = f.run.dist.nproc_per_node;
    std::exit(train::dist::launch_local_ranks(lo));
  }
  f.run.command = command_line();
  nlohmann::json summary;
  try {
    summary = train::run_training(cfg, f.run);
  } catch (const train::dist::DistributedError& e) {
    // Exit at once: a Gloo thread may still wait on the dead rank, and joining it could hang.
    std::fprintf(stderr, "ttq: error: %s\n", e.what());
    std::fflush(nullptr);
    std::_Exit(1);
  }
  if (!summary.empty()) std::cout << summary.dump(2) << std::endl;  // rank 0 only
}

void add_eval(CLI::App& app) {
  auto* c = app.add_subcommand("eval", "evaluate a checkpoint on a test set");
  auto ckpt = std::make_shared<std::string>();
  auto data_path = std::make_shared<std::string>();
  auto batch = std::make_shared<int>(256);
  auto limit = std::make_shared<int64_t>(0);
  auto threads = std::make_shared<int>(0);
  auto device = std::make_shared<std::string>("cpu");
  c->add_option("checkpoint", *ckpt, "checkpoint file or run directory")->required();
  c->add_option("--data-path", *data_path, "data set folder (default: the one it was trained on)");
  c->add_option("-b,--batch-size", *batch, "images per batch")->check(CLI::PositiveNumber);
  c->add_option("--test-limit", *limit, "only the first N test images");
  c->add_option("--threads", *threads, "compute threads (0: all cores)");
  c->add_option("--device", *device, "cpu or cuda");
  c->callback([=] {
    const auto [net, meta, path] = train::load_network(*ckpt);
    if (*threads > 0) torch::set_num_threads(*threads);
    const c10::Device dev = *device == "cuda" ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
    net->to(dev);
    auto test = train::open_test_data(meta.config, data_path->empty() ? meta.config.data_path : *data_path, *limit);
    const auto s = test->shape();
    if (s.channels != meta.input_shape[0] || s.height != meta.input_shape[1] || s.width != meta.input_shape[2]) {
      throw ShapeError("the test images do not have the checkpoint's input shape");
    }
    const auto norm = train::normalization_for(meta.config.dataset, s.channels);
    const auto r = train::evaluate(*net, *test, norm, *batch, dev);
    const auto size = train::size_report(*net);
    nlohmann::json out = {{"model", meta.config.model}, {"dataset", meta.config.dataset},
                          {"method", meta.config.quantized() ? meta.config.quant.method : "fp32"},
                          {"top1", r.top1}, {"top5", r.top5}, {"loss", r.loss}, {"images", r.count},
                          {"size", size.to_json()}};
    std::cout << out.dump(2) << std::endl;
  });
}

}  // namespace

void add_train_commands(CLI::App& app) {
  {
    auto* c = app.add_subcommand("train", "train a model in fp32 (or with --quant from scratch)");
    auto f = std::make_shared<TrainFlags>();
    add_training_flags(c, *f);
    add_quant_flags(c, f->cfg.quant);
    f->cfg.quant.method = "none";
    c->callback([c, f] { run_train(c, *f); });
  }
  {
    auto* c = app.add_subcommand("quantize", "quantized fine-tune (TTQ by default) from an fp32 checkpoint");
    auto f = std::make_shared<TrainFlags>();
    add_training_flags(c, *f);
    add_quant_flags(c, f->cfg.quant);
    f->cfg.quant.method = "ttq";
    c->add_option("--from", f->cfg.init_checkpoint, "the fp32 checkpoint to start from");
    c->callback([c, f] {
      if (f->run.resume_path.empty() && f->cfg.init_checkpoint.empty()) {
        throw ArgumentError("quantize needs --from CHECKPOINT (or --resume)", "train an fp32 model with `ttq train` first");
      }
      run_train(c, *f);
    });
  }
  add_eval(app);
}

}  // namespace ttq::cli
