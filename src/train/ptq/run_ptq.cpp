#include "train/ptq/run_ptq.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <cmath>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/batch_loader.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/ptq/ptq_quantizers.h"
#include "train/quant/apply_quantization.h"
#include "train/trainer/data_setup.h"
#include "train/trainer/evaluate.h"
#include "train/trainer/machine_info.h"
#include "train/trainer/model_builder.h"
#include "train/trainer/model_size.h"

namespace ttq::train {
namespace {

// What the layer computes from input x with weight w (its forward, minus its quantizers).
torch::Tensor layer_output(QuantizableLayer& layer, const torch::Tensor& x, const torch::Tensor& w) {
  if (auto* conv = dynamic_cast<QConv2dImpl*>(&layer)) {
    const auto& o = conv->options;
    return torch::conv2d(x, w, conv->bias, {o.stride, o.stride}, {o.padding, o.padding}, {1, 1}, o.groups);
  }
  return torch::nn::functional::linear(x, w, layer.bias);
}

void validate(const PtqOptions& o) {
  if (o.method != "int8" && o.method != "fp16")
    throw ArgumentError("unknown --method '" + o.method + "'", "use int8 or fp16");
  if (o.calib < 1) throw ArgumentError("--calib must be at least 1 image");
  if (o.batch_size < 1) throw ArgumentError("--batch-size must be >= 1");
  if (o.capture < 1) throw ArgumentError("the SQNR capture needs at least 1 image");
}

// The first `calib` training images, normalised as in training (no augmentation).
std::vector<torch::Tensor> calibration_batches(const TrainConfig& cfg, const std::string& path, int calib,
                                               const std::array<int64_t, 3>& shape) {
  auto train = data::open_dataset(cfg.dataset, path, true);
  const auto s = train->shape();
  if (s.channels != shape[0] || s.height != shape[1] || s.width != shape[2])
    throw ShapeError("the training images of '" + path + "' do not have the checkpoint's input shape");
  const Normalization norm = normalization_for(cfg.dataset, s.channels);
  data::BatchLoaderOptions o;
  o.batch_size = 64;
  o.mean = norm.mean;
  o.std = norm.std;
  o.subset_count = size_t(calib);
  data::BatchLoader loader(*train, o);
  loader.start_epoch(0);
  std::vector<torch::Tensor> batches;
  data::Batch b;
  while (loader.next(b))
    batches.push_back(torch::from_blob(b.images.data(), {b.n, s.channels, s.height, s.width}).clone());
  return batches;
}

}  // namespace

std::string ptq_method_name(const PtqOptions& o) {
  if (o.method == "fp16") return o.activations ? "fp16-a16" : "fp16";
  return "int8-ptq-" + o.scheme.name() + (o.activations ? "" : "-w");
}

nlohmann::json run_ptq(const PtqOptions& opt) {
  validate(opt);
  const auto start = std::chrono::steady_clock::now();
  LoadedNetwork loaded = load_network(opt.checkpoint);
  Network& net = *loaded.net;
  const TrainConfig& cfg = loaded.meta.config;
  if (cfg.quantized())
    throw ArgumentError("'" + loaded.path + "' is a " + cfg.quant.method + " run; ptq quantizes an fp32 checkpoint",
                        "pass the checkpoint of a `ttq train` run");
  torch::set_num_threads(opt.threads > 0 ? opt.threads : int(std::max(1u, std::thread::hardware_concurrency())));
  net.eval();
  torch::NoGradGuard no_grad;

  QuantSelection sel;
  sel.quantize_first_conv = opt.quantize_first_conv;
  sel.quantize_last_fc = opt.quantize_last_fc;
  const std::vector<NamedLayer> layers = select_layers(net, sel);
  const bool int8 = opt.method == "int8";
  const ActivationFormat act = !opt.activations ? ActivationFormat::fp32
                               : int8           ? ActivationFormat::int8
                                                : ActivationFormat::fp16;
  std::vector<std::shared_ptr<PtqInputQuantizerImpl>> inputs;
  for (const NamedLayer& l : layers) {
    inputs.push_back(std::make_shared<PtqInputQuantizerImpl>(act, opt.scheme.symmetric));
    l.layer->set_input_quantizer(inputs.back());
  }

  // Calibration: observe every quantized layer's input range on the first N training images.
  const std::string data_path = opt.data_path.empty() ? cfg.data_path : opt.data_path;
  const std::vector<torch::Tensor> calib = calibration_batches(cfg, data_path, opt.calib, loaded.meta.input_shape);
  if (calib.empty()) throw ArgumentError("the training set of '" + data_path + "' has no images to calibrate on");
  for (const torch::Tensor& x : calib) net.forward(x);

  // Reference outputs of each layer in the fp32 network, on the capture images.
  const torch::Tensor capture = calib[0].narrow(0, 0, std::min<int64_t>(opt.capture, calib[0].size(0)));
  for (auto& q : inputs) q->record = true;
  net.forward(capture);
  std::vector<torch::Tensor> reference;
  for (size_t i = 0; i < layers.size(); ++i)
    reference.push_back(layer_output(*layers[i].layer, inputs[i]->recorded, layers[i].layer->weight));

  // Quantize: weights, and the inputs with their calibrated ranges.
  for (size_t i = 0; i < layers.size(); ++i) {
    if (int8) {
      layers[i].layer->set_quantizer(std::make_shared<Int8WeightQuantizerImpl>(opt.scheme));
    } else {
      layers[i].layer->set_quantizer(std::make_shared<Fp16WeightQuantizerImpl>());
    }
    inputs[i]->mode = PtqInputQuantizerImpl::Mode::quantize;
  }
  net.forward(capture);
  nlohmann::json sqnr = nlohmann::json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    QuantizableLayer& layer = *layers[i].layer;
    const torch::Tensor w = layer.effective_weight();
    const double out_db = sqnr_db(reference[i], layer_output(layer, inputs[i]->recorded, w));
    sqnr.push_back({{"layer", layers[i].name},
                    {"sqnr_db", sqnr_db(layer.weight, w)},  // +inf (no error) is written as null
                    {"output_sqnr_db", out_db}});
    inputs[i]->record = false;
    inputs[i]->recorded = torch::Tensor();
  }
  reference.clear();

  auto test = open_test_data(cfg, data_path, opt.test_limit);
  const auto s = test->shape();
  const auto& shape = loaded.meta.input_shape;
  if (s.channels != shape[0] || s.height != shape[1] || s.width != shape[2])
    throw ShapeError("the test images of '" + data_path + "' do not have the checkpoint's input shape");
  const EvalResult r = evaluate(net, *test, normalization_for(cfg.dataset, s.channels), opt.batch_size,
                                c10::Device(c10::kCPU));
  const SizeReport size = size_report(net);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json config = cfg.to_json();
  config["ptq"] = {{"method", opt.method},
                   {"granularity", opt.scheme.per_channel ? "per-channel" : "per-tensor"},
                   {"symmetric", opt.scheme.symmetric},
                   {"activations", opt.activations},
                   {"calib", opt.calib},
                   {"capture", capture.size(0)},
                   {"from", loaded.path}};
  nlohmann::json summary = {{"model", cfg.model},
                            {"dataset", cfg.dataset},
                            {"method", ptq_method_name(opt)},
                            {"top1", r.top1},
                            {"top5", r.top5},
                            {"loss", r.loss},
                            {"images", r.count},
                            {"epochs", 0},
                            {"finished", true},
                            {"seconds", seconds},
                            {"size", size.to_json()},
                            {"params", size.params},
                            {"sparsity", size.sparsity()},
                            {"config", config},
                            {"command", opt.command},
                            {"machine", machine_info()},
                            {"sqnr", sqnr}};
  if (!opt.output_dir.empty()) {
    std::filesystem::create_directories(opt.output_dir);
    write_file_atomically(opt.output_dir + "/summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  }
  return summary;
}

std::string sqnr_table(const nlohmann::json& summary) {
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %14s %14s\n", "layer", "weight SQNR dB", "output SQNR dB");
  os << line;
  auto db = [](const nlohmann::json& v) {
    char b[32];
    if (v.is_number()) std::snprintf(b, sizeof b, "%.2f", v.get<double>());
    else std::snprintf(b, sizeof b, "inf");
    return std::string(b);
  };
  for (const auto& row : summary.at("sqnr")) {
    std::snprintf(line, sizeof line, "%-28s %14s %14s\n", row.at("layer").get<std::string>().c_str(),
                  db(row.at("sqnr_db")).c_str(), db(row.at("output_sqnr_db")).c_str());
    os << line;
  }
  return os.str();
}

}  // namespace ttq::train
