#include "train/export/graph_executor.h"

#include "common/error.h"

namespace ttq::train {
namespace {

std::vector<int64_t> pair_of(const nlohmann::json& a) { return {a[0].get<int64_t>(), a[1].get<int64_t>()}; }

// Per-channel values shaped to broadcast over x's channel dimension: [1, C, 1, 1] for
// NCHW maps, [1, C] for [N, C] features (a batch norm after a linear layer).
at::Tensor per_channel(const at::Tensor& values, const at::Tensor& x) {
  std::vector<int64_t> shape(size_t(x.dim()), 1);
  shape[1] = -1;
  return values.view(shape);
}

}  // namespace

GraphExecutor::GraphExecutor(format::Graph graph, std::map<std::string, at::Tensor> tensors)
    : graph_(std::move(graph)), tensors_(std::move(tensors)) {}

const at::Tensor& GraphExecutor::tensor(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw FormatError("graph needs tensor '" + name + "' which the model does not have");
  return it->second;
}

at::Tensor GraphExecutor::run(const at::Tensor& x,
                              const std::function<void(const std::string&, const at::Tensor&)>& observe) const {
  std::map<std::string, at::Tensor> act{{"input", x}};
  auto in = [&](const format::Node& n, size_t i) -> const at::Tensor& { return act.at(n.inputs[i]); };
  auto opt = [&](const std::string& name) { return tensors_.count(name) ? tensors_.at(name) : at::Tensor(); };
  for (const auto& n : graph_.nodes) {
    at::Tensor y;
    const auto& a = n.attrs;
    if (n.op == "conv2d") {
      y = torch::conv2d(in(n, 0), tensor(n.name + ".weight"), opt(n.name + ".bias"), pair_of(a["stride"]),
                        pair_of(a["padding"]), {1, 1}, a["groups"].get<int64_t>());
      if (auto s = opt(n.name + ".scale"); s.defined()) y = y * per_channel(s, y);
    } else if (n.op == "linear") {
      y = torch::linear(in(n, 0), tensor(n.name + ".weight"), opt(n.name + ".bias"));
    } else if (n.op == "batchnorm") {
      if (auto s = opt(n.name + ".scale"); s.defined()) {
        y = in(n, 0) * per_channel(s, in(n, 0)) + per_channel(tensor(n.name + ".bias"), in(n, 0));
      } else {
        y = torch::batch_norm(in(n, 0), tensor(n.name + ".weight"), tensor(n.name + ".bias"),
                              tensor(n.name + ".running_mean"), tensor(n.name + ".running_var"), false, 0.0, 1e-5,
                              false);
      }
    } else if (n.op == "relu") {
      y = torch::relu(in(n, 0));
    } else if (n.op == "add") {
      y = in(n, 0) + in(n, 1);
    } else if (n.op == "concat") {
      std::vector<at::Tensor> xs;
      for (size_t i = 0; i < n.inputs.size(); ++i) xs.push_back(in(n, i));
      y = torch::cat(xs, 1);
    } else if (n.op == "maxpool2d") {
      y = torch::max_pool2d(in(n, 0), pair_of(a["kernel"]), pair_of(a["stride"]), pair_of(a["padding"]));
    } else if (n.op == "avgpool2d") {
      y = torch::avg_pool2d(in(n, 0), pair_of(a["kernel"]), pair_of(a["stride"]), pair_of(a["padding"]));
    } else if (n.op == "global_avgpool") {
      y = in(n, 0).mean({2, 3}, true);
    } else if (n.op == "flatten") {
      y = in(n, 0).flatten(1);
    } else {
      throw FormatError("graph op '" + n.op + "' is not supported by the exporter");
    }
    if (observe) observe(n.output, y);
    act[n.output] = y;
  }
  return act.at(graph_.output);
}

}  // namespace ttq::train
