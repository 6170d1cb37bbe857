#include "train/trainer/checkpoint.h"

#include <sys/stat.h>


#include "common/atomic_file.h"
#include "common/error.h"

namespace ttq::train {
namespace {

constexpr const char* kMagic = "ttq-checkpoint";
constexpr int kVersion = 1;

torch::serialize::InputArchive open_archive(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw FileError("checkpoint '" + path + "' does not exist", "check the path");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw FormatError("'" + path + "' is not a readable checkpoint", "the file is truncated, corrupt, or not a ttq checkpoint");
  }
  return ar;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string resolve_checkpoint_path(const std::string& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return p + "/checkpoint.pt";
  return p;
}

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta) {
  nlohmann::json j = {{"magic", kMagic},           {"version", kVersion},
                      {"config", meta.config.to_json()}, {"epochs_done", meta.epochs_done},
                      {"input_shape", meta.input_shape}, {"num_classes", meta.num_classes},
                      {"history", meta.history}};
  torch::serialize::OutputArchive ar;
  ar.write("meta", c10::IValue(j.dump()));
  torch::serialize::OutputArchive model_ar;
  model.save(model_ar);
  ar.write("model", model_ar);
  if (optimizer) {
    torch::serialize::OutputArchive opt_ar;
    optimizer->save(opt_ar);
    ar.write("optimizer", opt_ar);
  }
  write_file_atomically(path, [&](std::ostream& os) { ar.save_to(os); });
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  auto ar = open_archive(path);
  c10::IValue v;
  if (!ar.try_read("meta", v) || !v.isString()) {
    throw FormatError("'" + path + "' has no ttq metadata", "was it written by `ttq train`?");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(v.toStringRef());
    if (j.at("magic") != kMagic) throw FormatError("'" + path + "' is not a ttq checkpoint");
    if (j.at("version").get<int>() > kVersion) {
      throw FormatError("checkpoint '" + path + "' has version " + j["version"].dump(), "upgrade ttq to read it");
    }
    CheckpointMeta m;
    m.config = TrainConfig::from_json(j.at("config"));
    m.epochs_done = j.at("epochs_done");
    m.input_shape = j.at("input_shape").get<std::array<int64_t, 3>>();
    m.num_classes = j.at("num_classes");
    m.history = j.value("history", nlohmann::json::array());
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("checkpoint '" + path + "' has malformed metadata: " + e.what());
  }
}

namespace {
// Loads one sub-archive ("model" or "optimizer") of a checkpoint into a module or optimizer.
template <class Target>
void load_part(const std::string& path, const char* part, Target& target, const std::string& hint) {
  auto ar = open_archive(path);
  torch::serialize::InputArchive sub;
  if (!ar.try_read(part, sub)) throw FormatError("checkpoint '" + path + "' holds no " + part + " state");
  try {
    target.load(sub);
  } catch (const c10::Error& e) {
    throw FormatError(std::string(part) + " state in '" + path + "' does not fit: " + first_line(e.what_without_backtrace()),
                      hint);
  }
}
}  // namespace

void load_checkpoint_model(const std::string& path, torch::nn::Module& model) {
  load_part(path, "model", model, "was it written for another --model or quantization?");
}

void load_checkpoint_optimizer(const std::string& path, torch::optim::Optimizer& optimizer) {
  load_part(path, "optimizer", optimizer, "was it written with another --optimizer or quantization?");
}

}  // namespace ttq::train
