#include "train/export/export_model.h"

#include <cmath>

#include "common/error.h"
#include "data/batch_loader.h"
#include "train/export/graph_executor.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"

namespace ttq::train {
namespace {

format::Tensor fp32_tensor(const torch::Tensor& t) {
  format::Tensor out;
  auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  out.shape = c.sizes().vec();
  out.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return out;
}

// w holds only {-wn, 0, +wp}: codes and scales. Returns false if it holds anything else.
bool ternary_tensor(const torch::Tensor& w, format::Encoding enc, format::Tensor* out) {
  auto c = w.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const float* v = c.data_ptr<float>();
  float wp = 0, wn = 0;
  for (int64_t i = 0; i < c.numel(); ++i) {
    if (v[i] > 0) wp = v[i];
    if (v[i] < 0) wn = -v[i];
  }
  out->shape = c.sizes().vec();
  out->encoding = enc;
  out->codes.resize(c.numel());
  for (int64_t i = 0; i < c.numel(); ++i) {
    if (v[i] == 0) {
      out->codes[i] = 0;
    } else if (v[i] == wp) {
      out->codes[i] = 1;
    } else if (v[i] == -wn) {
      out->codes[i] = -1;
    } else {
      return false;
    }
  }
  // A layer with no positive (negative) weight still needs a valid scale.
  out->wp = wp > 0 ? wp : (wn > 0 ? wn : 1.f);
  out->wn = wn > 0 ? wn : out->wp;
  return true;
}

// Four significant digits: plenty for a bias correction, and short in the file's JSON.
float four_digits(double v) {
  if (v == 0.0 || !std::isfinite(v)) return static_cast<float>(v);
  const double step = std::pow(10.0, std::floor(std::log10(std::fabs(v))) - 3);
  return static_cast<float>(std::round(v / step) * step);
}

}  // namespace

ExportResult export_model(Network& net, const CheckpointMeta& meta, const data::Dataset& calibration,
                          const Normalization& norm, const ExportOptions& options) {
  torch::NoGradGuard no_grad;
  net.to(torch::kCPU);
  net.eval();
  const auto shape = calibration.shape();
  if (shape.channels != meta.input_shape[0] || shape.height != meta.input_shape[1] || shape.width != meta.input_shape[2]) {
    throw ShapeError("calibration images do not have the model's input shape");
  }
  format::ModelFile m;
  m.architecture = meta.config.model;
  m.graph = net.describe(meta.input_shape);
  m.num_classes = meta.num_classes;
  m.input_mean = norm.mean;
  m.input_std = norm.std;

  // Every tensor of the model by name; quantized layers by their effective weights.
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : net.named_parameters()) tensors[p.key()] = p.value().detach();
  for (const auto& b : net.named_buffers()) tensors[b.key()] = b.value().detach();
  std::set<std::string> quantized;
  for (const auto& l : quantizable_layers(net)) {
    if (!l.layer->quantizer()) continue;
    tensors[l.name + ".weight"] = l.layer->effective_weight().detach();
    quantized.insert(l.name + ".weight");
  }
  // BatchNorm in eval mode as y = x * scale + bias.
  for (const auto& n : m.graph.nodes) {
    if (n.op != "batchnorm") continue;
    const auto var = tensors.at(n.name + ".running_var"), mean = tensors.at(n.name + ".running_mean");
    const auto gamma = tensors.at(n.name + ".weight"), beta = tensors.at(n.name + ".bias");
    const auto scale = gamma / torch::sqrt(var + 1e-5);
    tensors[n.name + ".scale"] = scale;
    tensors[n.name + ".bias"] = beta - mean * scale;
  }

  // The tensors the graph reads, encoded.
  const auto buffers = net.named_buffers();
  for (const auto& n : m.graph.nodes) {
    std::vector<std::string> names;
    if (n.op == "conv2d" || n.op == "linear") names = {n.name + ".weight", n.name + ".bias", n.name + ".scale"};
    if (n.op == "batchnorm") names = {n.name + ".scale", n.name + ".bias"};
    for (const auto& name : names) {
      auto it = tensors.find(name);
      if (it == tensors.end()) continue;
      format::Tensor t;
      const bool weight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
      // Quantized layers must be ternary; fixed buffers such as option-A shortcut
      // selectors (values in {0, 1}) are stored ternary too when they are.
      const bool is_buffer = !quantized.count(name) && weight && buffers.contains(name);
      if (quantized.count(name) || is_buffer) {
        if (ternary_tensor(it->second, options.ternary_encoding, &t)) {
          m.tensors[name] = std::move(t);
          continue;
        }
        if (quantized.count(name)) throw FormatError("quantized layer '" + name + "' is not ternary; cannot export it");
      }
      m.tensors[name] = fp32_tensor(it->second);
    }
  }

  // Calibration: the largest value of every activation over the calibration images.
  std::map<std::string, torch::Tensor> graph_tensors;
  for (const auto& [name, t] : m.tensors) {
    (void)t;
    graph_tensors[name] = tensors.at(name).to(torch::kFloat32);
  }
  GraphExecutor exec(m.graph, graph_tensors);
  data::BatchLoaderOptions lo;
  lo.batch_size = options.batch_size;
  lo.mean = norm.mean;
  lo.std = norm.std;
  lo.subset_count = size_t(std::max(1, options.calibration_images));
  data::BatchLoader loader(calibration, lo);
  loader.start_epoch(0);
  data::Batch batch;
  ExportResult r;
  std::map<std::string, float> maxima;
  // Per-channel sums of the activations that feed ternary layers (for their means).
  std::map<std::string, torch::Tensor> sums;
  std::map<std::string, int64_t> counts;
  for (const auto& name : format::ternary_layer_inputs(m)) sums[name] = torch::Tensor();
  const auto add_to_sums = [&](const std::string& name, const torch::Tensor& v) {  // v: [N, C, ...]
    auto s = sums.find(name);
    if (s == sums.end()) return;
    const auto per_channel = v.transpose(0, 1).reshape({v.size(1), -1}).to(torch::kFloat64).sum(1);
    s->second = s->second.defined() ? s->second + per_channel : per_channel;
    counts[name] += v.numel() / v.size(1);
  };
  while (loader.next(batch)) {
    auto x = torch::from_blob(batch.images.data(), {batch.n, shape.channels, shape.height, shape.width}).clone();
    maxima["input"] = std::max(maxima.count("input") ? maxima["input"] : 0.f, x.abs().max().item<float>());
    add_to_sums("input", x);
    auto y = exec.run(x, [&](const std::string& name, const torch::Tensor& v) {
      const float mx = v.max().item<float>();
      auto it = maxima.find(name);
      if (it == maxima.end() || mx > it->second) maxima[name] = mx;
      add_to_sums(name, v);
    });
    const auto ref = net.forward(x);
    r.graph_max_abs_diff = std::max(r.graph_max_abs_diff, (y - ref).abs().max().item<double>());
    const double tol = 1e-3 * std::max(1.0, ref.abs().max().item<double>());
    if (!(r.graph_max_abs_diff <= tol)) {
      throw FormatError("the graph of '" + m.architecture + "' does not reproduce its forward (max diff " +
                        std::to_string(r.graph_max_abs_diff) + ")", "this is a bug in the model's describe()");
    }
  }
  for (const auto& [name, mx] : maxima) m.calibration[name] = std::max(mx, 1e-6f);
  for (const auto& [name, sum] : sums) {
    if (!sum.defined()) continue;  // never produced on the calibration images: no correction
    const auto mean = (sum / static_cast<double>(counts.at(name))).contiguous();
    const double* v = mean.data_ptr<double>();
    auto& out = m.calibration_mean[name];
    for (int64_t c = 0; c < mean.size(0); ++c) out.push_back(four_digits(v[c]));
  }
  r.model = std::move(m);
  return r;
}

}  // namespace ttq::train
