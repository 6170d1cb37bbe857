#include "train/trainer/trainer.h"

#include <sys/stat.h>

#include <optional>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/batch_loader.h"
#include "train/distributed/autocast_scope.h"
#include "train/distributed/communicator.h"
#include "train/distributed/dataset_shard.h"
#include "train/distributed/dist_env.h"
#include "train/distributed/dist_error.h"
#include "train/distributed/fault_injection.h"
#include "train/distributed/gradient_sync.h"
#include "train/distributed/module_sync.h"
#include "train/distributed/sync_batchnorm.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/quant/apply_quantization.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/data_setup.h"
#include "train/trainer/evaluate.h"
#include "train/trainer/lr_schedule.h"
#include "train/trainer/machine_info.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/model_size.h"
#include "train/trainer/progress.h"
#include "train/trainer/weight_histograms.h"

namespace ttq::train {
namespace {

bool is_scale_param(const std::string& name) { return name.find("quant.") != std::string::npos; }

// Two parameter groups: the weights, and the quantizers' scales with their own weight decay.
template <class Optim, class Options>
std::unique_ptr<torch::optim::Optimizer> grouped(const Options& opts, std::vector<torch::Tensor> weights,
                                                 std::vector<torch::Tensor> scales, double scale_wd) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::move(weights), std::make_unique<Options>(opts));
  if (!scales.empty()) {
    auto s = opts;
    s.weight_decay(scale_wd);
    groups.emplace_back(std::move(scales), std::make_unique<Options>(s));
  }
  return std::make_unique<Optim>(std::move(groups), opts);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& cfg, Network& net) {
  std::vector<torch::Tensor> weights, scales;
  for (const auto& p : net.named_parameters()) (is_scale_param(p.key()) ? scales : weights).push_back(p.value());
  const double scale_wd = cfg.quant.weight_decay_on_scales ? cfg.weight_decay : 0.0;
  if (cfg.optimizer == "sgd") {
    return grouped<torch::optim::SGD>(
        torch::optim::SGDOptions(cfg.lr).momentum(cfg.momentum).nesterov(cfg.nesterov).weight_decay(cfg.weight_decay),
        std::move(weights), std::move(scales), scale_wd);
  }
  if (cfg.optimizer == "adam") {
    return grouped<torch::optim::Adam>(torch::optim::AdamOptions(cfg.lr).weight_decay(cfg.weight_decay),
                                       std::move(weights), std::move(scales), scale_wd);
  }
  throw ArgumentError("unknown --optimizer '" + cfg.optimizer + "'", "use sgd or adam");
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

nlohmann::json quantizer_stats(Network& net) {
  torch::NoGradGuard no_grad;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : quantizable_layers(net)) {
    if (!l.layer->quantizer()) continue;
    auto s = l.layer->quantizer()->stats(l.layer->weight);
    s["name"] = l.name;
    layers.push_back(s);
  }
  return layers;
}

c10::Device pick_device(const std::string& name, int local_rank) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda") {
    if (!torch::cuda::is_available()) throw ArgumentError("--device cuda but no CUDA device is available", "use --device cpu");
    // One GPU per local rank, as torchrun does.
    return c10::Device(c10::kCUDA, c10::DeviceIndex(local_rank % int(torch::cuda::device_count())));
  }
  throw ArgumentError("unknown --device '" + name + "'", "use cpu or cuda");
}

void make_dirs(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty()) ::mkdir(partial.c_str(), 0755);
    }
    if (i < dir.size()) partial += dir[i];
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw FileError("cannot create output directory '" + dir + "'", "check --output-dir");
  }
}

// --channels-last: 4-d weights in NHWC, which oneDNN (CPU) and cuDNN prefer for convolutions.
void set_memory_format(torch::nn::Module& net, torch::MemoryFormat format) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(format));
}

// Test-set evaluation; with several ranks each evaluates its shard and the sums are combined.
EvalResult evaluate_all_ranks(Network& net, const data::Dataset& test, const TrainConfig& cfg, const Normalization& norm,
                              c10::Device device, dist::Communicator* comm) {
  if (!comm) return evaluate(net, test, norm, cfg.batch_size, device, cfg.workers);
  dist::DatasetShard shard(test, comm->rank(), comm->world_size());
  EvalResult r = evaluate(net, shard, norm, cfg.batch_size, device, cfg.workers);
  const double n = double(r.count);
  const auto sums = dist::allreduce_sum(*comm, {r.loss * n, r.top1 * n, r.top5 * n, n, r.seconds}, "evaluation sums");
  r.count = int64_t(sums[3]);
  if (r.count > 0) {
    r.loss = sums[0] / sums[3];
    r.top1 = sums[1] / sums[3];
    r.top5 = sums[2] / sums[3];
  }
  r.seconds = sums[4] / comm->world_size();
  return r;
}

}  // namespace

nlohmann::json run_training(const TrainConfig& cfg, const RunOptions& run) {
  if (run.output_dir.empty()) throw ArgumentError("no --output-dir given");
  if (cfg.epochs < 1) throw ArgumentError("--epochs must be >= 1");
  if (cfg.batch_size < 1) throw ArgumentError("--batch-size must be >= 1");
  if (run.amp != "none" && run.amp != "bf16") throw ArgumentError("unknown --amp '" + run.amp + "'", "use none or bf16");
  // Weight quantizers see fp32 latent weights either way (autocast only lowers the conv
  // and linear inputs); fake-quantized activations would be rounded again in bf16.
  if (run.amp != "none" && cfg.quant.act_bits > 0) {
    throw ArgumentError("--amp bf16 would round the " + std::to_string(cfg.quant.act_bits) +
                            "-bit fake-quantized activations again",
                        "drop --amp, or train with fp32 activations (--act-bits 0)");
  }
  if (run.dist.timeout_seconds < 1) throw ArgumentError("--dist-timeout must be at least 1 second");
  const dist::DistEnv env = dist::read_dist_env();
  const bool is_main = env.rank == 0;
  const bool quiet = run.quiet || !is_main;
  if (cfg.batch_size % env.world_size != 0) {
    throw ArgumentError("--batch-size " + std::to_string(cfg.batch_size) + " is the global batch and must divide by the " +
                            std::to_string(env.world_size) + " ranks",
                        "pick a multiple of the world size");
  }
  if (is_main) make_dirs(run.output_dir);
  const c10::Device device = pick_device(cfg.device, env.local_rank);
  torch::set_num_threads(cfg.threads > 0 ? cfg.threads : int(std::max(1u, std::thread::hardware_concurrency())));
  std::unique_ptr<dist::Communicator> comm;
  if (env.active()) comm = dist::Communicator::connect(env, std::chrono::seconds(run.dist.timeout_seconds), device);

  const TrainData data = open_train_data(cfg);
  torch::manual_seed(cfg.seed);  // initial weights are a function of the seed
  auto net = build_network(cfg, data.input_shape, data.num_classes);

  CheckpointMeta meta;
  meta.config = cfg;
  meta.input_shape = data.input_shape;
  meta.num_classes = data.num_classes;
  std::string resume = run.resume_path.empty() ? "" : resolve_checkpoint_path(run.resume_path);
  if (!resume.empty()) {
    const CheckpointMeta old = read_checkpoint_meta(resume);
    if (old.config.model != cfg.model || old.config.quant.method != cfg.quant.method) {
      throw ArgumentError("checkpoint '" + resume + "' is a " + old.config.model + "/" + old.config.quant.method +
                          " run, not " + cfg.model + "/" + cfg.quant.method);
    }
    meta.epochs_done = old.epochs_done;
    meta.history = old.history;
    attach_quantization(*net, cfg.quant);
    load_checkpoint_model(resume, *net);
  } else {
    if (!cfg.init_checkpoint.empty()) {
      const std::string init = resolve_checkpoint_path(cfg.init_checkpoint);
      const CheckpointMeta src = read_checkpoint_meta(init);
      if (src.config.model != cfg.model) {
        throw ArgumentError("checkpoint '" + init + "' holds a " + src.config.model + ", not a " + cfg.model,
                            "pass --model " + src.config.model);
      }
      if (src.num_classes != data.num_classes || src.input_shape != data.input_shape) {
        throw ShapeError("checkpoint '" + init + "' was trained on another input shape or class count");
      }
      load_checkpoint_model(init, *net);
    }
    attach_quantization(*net, cfg.quant);
  }
  net->to(device);
  if (run.channels_last) set_memory_format(*net, torch::MemoryFormat::ChannelsLast);
  if (comm) dist::broadcast_module_state(*comm, *net);  // identical start whatever each rank loaded
  auto optimizer = make_optimizer(cfg, *net);
  if (!resume.empty()) load_checkpoint_optimizer(resume, *optimizer);

  // The global batch is split over the ranks: rank r takes positions r, r + W, ... of each
  // global batch's share of the epoch order, so the union of the ranks' step-k batches is
  // exactly 1 rank's step-k batch.
  data::BatchLoaderOptions loader_options = data.train_options;
  loader_options.batch_size = cfg.batch_size / env.world_size;
  data::BatchLoader loader(*data.train, loader_options);
  loader.shard(env.rank, env.world_size);
  const int64_t steps_per_epoch = int64_t(loader.batches_per_epoch());
  std::unique_ptr<dist::GradientSync> grad_sync;
  if (comm) grad_sync = std::make_unique<dist::GradientSync>(*comm, net->parameters());
  std::optional<dist::SyncBatchNormScope> sync_bn;
  if (comm && run.dist.sync_bn) sync_bn.emplace(comm.get());
  long steps_this_run = 0;
  const std::string checkpoint_path = run.output_dir + "/checkpoint.pt";

  const int last_epoch = run.stop_after_epochs > 0 ? std::min(cfg.epochs, meta.epochs_done + run.stop_after_epochs)
                                                 : cfg.epochs;
  for (int epoch = meta.epochs_done; epoch < last_epoch; ++epoch) {
    net->train();
    torch::manual_seed(cfg.seed * 1000003ULL + uint64_t(epoch));  // dropout etc.: a function of (seed, epoch)
    loader.start_epoch(epoch);
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.epochs), steps_per_epoch);
    data::Batch batch;
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = 0;
    try {
      while (loader.next(batch)) {
        dist::maybe_inject_fault(env.rank, ++steps_this_run);
        set_lr(*optimizer, learning_rate(cfg, epoch, double(step) / double(steps_per_epoch)));
        auto x = torch::from_blob(batch.images.data(), {batch.n, data.input_shape[0], data.input_shape[1], data.input_shape[2]})
                     .to(device);
        if (run.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        auto y = torch::from_blob(batch.labels.data(), {batch.n}, torch::kInt64).to(device);
        optimizer->zero_grad();
        if (grad_sync) grad_sync->begin_step();
        torch::Tensor logits, loss;
        {
          dist::AutocastScope autocast(run.amp == "bf16", device);
          logits = net->forward(x);
          loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), y);
        }
        loss.backward();
        if (grad_sync) grad_sync->finish_step();  // every rank now holds the global-batch gradient
        if (cfg.quant.latent_grad_scale != 1.0) scale_latent_gradients(*net, cfg.quant.latent_grad_scale);
        optimizer->step();
        constrain_quantizers(*net);
        ++step;
        loss_sum += loss.item<double>() * batch.n;
        correct += logits.argmax(1).eq(y).sum().item<int64_t>();
        seen += batch.n;
        if (!quiet) progress.update(step, loss_sum / seen, double(correct) / seen, seen * env.world_size);
      }
      progress.finish();
      if (comm) {
        const auto sums = dist::allreduce_sum(*comm, {loss_sum, double(correct), double(seen)}, "training metrics");
        loss_sum = sums[0];
        correct = int64_t(sums[1]);
        seen = int64_t(sums[2]);
        // Without --sync-bn each rank's running statistics saw only its shard: use rank 0's,
        // as DistributedDataParallel does, so every rank evaluates and saves the same model.
        if (!run.dist.sync_bn) dist::broadcast_module_buffers(*comm, *net);
      }
    } catch (const dist::DistributedError&) {
      throw;
    } catch (const std::exception& e) {
      // A failed collective inside a backward hook reaches us re-wrapped by autograd.
      if (comm && !comm->failure().empty()) throw dist::DistributedError(comm->failure());
      throw;
    }
    const double train_seconds = progress.seconds();
    const EvalResult ev = evaluate_all_ranks(*net, *data.test, cfg, data.norm, device, comm.get());
    nlohmann::json entry = {{"epoch", epoch + 1},
                            {"lr", learning_rate(cfg, epoch, 0.0)},
                            {"train_loss", seen ? loss_sum / seen : 0.0},
                            {"train_acc", seen ? double(correct) / seen : 0.0},
                            {"test_loss", ev.loss},
                            {"top1", ev.top1},
                            {"top5", ev.top5},
                            {"train_seconds", train_seconds},
                            {"eval_seconds", ev.seconds},
                            {"images_per_s", train_seconds > 0 ? seen / train_seconds : 0.0}};
    if (cfg.quantized()) entry["layers"] = quantizer_stats(*net);
    meta.history.push_back(entry);
    meta.epochs_done = epoch + 1;
    if (!is_main) continue;  // only rank 0 writes
    net->to(torch::kCPU);  // checkpoints are device-independent
    if (run.channels_last) set_memory_format(*net, torch::MemoryFormat::Contiguous);
    save_checkpoint(checkpoint_path, *net, optimizer.get(), meta);
    net->to(device);
    if (run.channels_last) set_memory_format(*net, torch::MemoryFormat::ChannelsLast);
    write_file_atomically(run.output_dir + "/metrics.jsonl", [&](std::ostream& os) {
      for (const auto& h : meta.history) os << h.dump() << "\n";
    });
    if (!quiet) {
      std::fprintf(stderr, "epoch %d/%d: train loss %.4f acc %.2f%% | test top1 %.2f%% top5 %.2f%% | %.0f img/s\n",
                   epoch + 1, cfg.epochs, entry["train_loss"].get<double>(), 100 * entry["train_acc"].get<double>(),
                   100 * ev.top1, 100 * ev.top5, entry["images_per_s"].get<double>());
    }
  }

  if (!is_main) return nlohmann::json::object();
  double seconds = 0;
  for (const auto& h : meta.history) seconds += h.value("train_seconds", 0.0) + h.value("eval_seconds", 0.0);
  const SizeReport size = size_report(*net);
  if (meta.history.empty()) throw ArgumentError("the run has no finished epoch to summarise");
  nlohmann::json summary = {{"model", cfg.model},
                            {"dataset", cfg.dataset},
                            {"method", cfg.quantized() ? cfg.quant.method : "fp32"},
                            {"top1", meta.history.back()["top1"]},
                            {"top5", meta.history.back()["top5"]},
                            {"epochs", meta.epochs_done},
                            {"finished", meta.epochs_done >= cfg.epochs},
                            {"seconds", seconds},
                            {"size", size.to_json()},
                            {"params", size.params},
                            {"config", cfg.to_json()},
                            {"command", run.command},
                            {"machine", machine_info()},
                            {"history", meta.history}};
  if (cfg.quantized()) summary["sparsity"] = size.sparsity();
  summary["distributed"] = {{"world_size", env.world_size},
                            {"backend", comm ? (device.is_cuda() ? "nccl" : "gloo") : "none"},
                            {"global_batch", cfg.batch_size},
                            {"per_rank_batch", cfg.batch_size / env.world_size},
                            {"sync_bn", run.dist.sync_bn}};
  summary["amp"] = run.amp;
  summary["channels_last"] = run.channels_last;
  summary["weight_histograms"] = weight_histograms(*net);
  write_file_atomically(run.output_dir + "/summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  return summary;
}

}  // namespace ttq::train
