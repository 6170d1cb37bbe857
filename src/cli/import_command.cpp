// ttq import: a PyTorch state dict (torch.save or safetensors) -> a run directory that
// eval, quantize --from and export accept (docs/PYTORCH.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/shape_flag.h"
#include "common/error.h"
#include "format/state_dict_file.h"
#include "train/interop/state_dict_interop.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/model_builder.h"

namespace ttq::cli {
namespace {

struct ImportFlags {
  std::string file, model, input, output_dir, dataset = "imagefolder", data_path;
  int num_classes = 0;
};

const format::NamedTensor* find(const format::StateDict& state, const std::string& name) {
  for (const auto& t : state)
    if (t.name == name) return &t;
  return nullptr;
}

// What the flags leave open comes from the file: the input channels from the first
// conv's weight, the class count from the classifier's; the image size is torchvision's 224.
std::pair<std::array<int64_t, 3>, int> shape_and_classes(const train::TrainConfig& cfg, const ImportFlags& f,
                                                         const format::StateDict& state) {
  std::array<int64_t, 3> shape = f.input.empty() ? std::array<int64_t, 3>{3, 224, 224} : parse_input_shape(f.input);
  int classes = f.num_classes > 0 ? f.num_classes : 10;
  const auto probe = train::build_network(cfg, shape, classes);
  const auto layers = train::quantizable_layers(*probe);
  if (f.input.empty()) {
    const auto* w = find(state, layers.front().name + ".weight");
    if (w && w->shape.size() == 4) shape[0] = w->shape[1];
  }
  if (f.num_classes <= 0) {
    const auto* w = find(state, layers.back().name + ".weight");
    if (!w || w->shape.empty() || w->shape[0] < 1) {
      throw FormatError(f.file + " has no '" + layers.back().name + ".weight' to take the class count from",
                        "pass --num-classes, and check --model");
    }
    classes = int(w->shape[0]);
  }
  return {shape, classes};
}

void run_import(const ImportFlags& f) {
  const std::string checkpoint = f.output_dir + "/checkpoint.pt";
  if (std::filesystem::exists(checkpoint)) {
    throw ArgumentError("'" + f.output_dir + "' already holds a checkpoint", "choose another --output-dir");
  }
  train::TrainConfig cfg;
  cfg.model = f.model;
  cfg.dataset = f.dataset;
  cfg.data_path = f.data_path;
  cfg.epochs = 0;
  cfg.init_checkpoint = f.file;  // where the weights came from, for the record

  auto state = format::load_state_dict(f.file);
  const bool dropped_prefix = train::drop_data_parallel_prefix(state);
  const auto [shape, classes] = shape_and_classes(cfg, f, state);
  cfg.num_classes = classes;
  const auto net = train::build_network(cfg, shape, classes);
  train::load_state_dict(*net, state, f.file);

  train::CheckpointMeta meta;
  meta.config = cfg;
  meta.input_shape = shape;
  meta.num_classes = classes;
  std::error_code ec;
  std::filesystem::create_directories(f.output_dir, ec);
  if (ec) throw FileError("cannot create '" + f.output_dir + "': " + ec.message(), "check the path and permissions");
  train::save_checkpoint(checkpoint, *net, nullptr, meta);
  std::printf("imported %zu tensors from %s%s: %s, input %lldx%lldx%lld, %d classes -> %s\n", state.size(),
              f.file.c_str(), dropped_prefix ? " (DataParallel's 'module.' prefix dropped)" : "", f.model.c_str(),
              (long long)shape[0], (long long)shape[1], (long long)shape[2], classes, checkpoint.c_str());
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto* c = app.add_subcommand("import", "read a PyTorch state dict (torch.save .pth or .safetensors) into a run "
                                         "directory for eval, quantize --from and export");
  auto f = std::make_shared<ImportFlags>();
  c->add_option("file", f->file, "torch.save file of a state dict (or of a dict holding one under 'state_dict' or "
                                  "'model'), or a .safetensors file")
      ->required();
  c->add_option("--model", f->model, "zoo architecture the weights are for (resnet18, densenet121, ...; ttq info --list)")
      ->required();
  c->add_option("--input", f->input, "input shape CxHxW (default: C from the first conv, 224x224)");
  c->add_option("--num-classes", f->num_classes, "classes (default: from the classifier's weight)")
      ->check(CLI::PositiveNumber);
  c->add_option("--dataset", f->dataset, "data set it will be evaluated and fine-tuned on (sets the normalization; "
                                         "default imagefolder: ImageNet's mean and std)")
      ->check(CLI::IsMember({"mnist", "fashion-mnist", "cifar10", "cifar100", "imagefolder", "tiny-imagenet"}));
  c->add_option("--data-path", f->data_path, "folder holding that data set");
  c->add_option("--output-dir", f->output_dir, "run directory to create (gets checkpoint.pt)")->required();
  c->callback([f] { run_import(*f); });
}

}  // namespace ttq::cli
