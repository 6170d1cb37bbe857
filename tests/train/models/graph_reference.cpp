#include "graph_reference.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ttq::train::graph_ref {
namespace {

const torch::Tensor& need(const std::map<std::string, torch::Tensor>& t, const std::string& key) {
  auto it = t.find(key);
  if (it == t.end()) throw std::runtime_error("graph needs tensor '" + key + "', which the model does not have");
  return it->second;
}

torch::Tensor optional(const std::map<std::string, torch::Tensor>& t, const std::string& key) {
  auto it = t.find(key);
  return it == t.end() ? torch::Tensor() : it->second;
}

std::vector<int64_t> pair(const format::Node& n, const char* key) {
  return {n.attrs[key][0].get<int64_t>(), n.attrs[key][1].get<int64_t>()};
}

}  // namespace

std::map<std::string, torch::Tensor> state_tensors(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value();
  for (const auto& b : m.named_buffers()) out[b.key()] = b.value();
  return out;
}

void randomize_batch_norms(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  const auto ends_with = [](const std::string& s, const std::string& end) {
    return s.size() > end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  const auto buffers = m.named_buffers();
  for (const auto& b : buffers) {
    if (ends_with(b.key(), ".running_mean")) b.value().normal_(0.0, 0.1);
    if (ends_with(b.key(), ".running_var")) b.value().uniform_(0.5, 1.5);
  }
  for (auto& p : m.named_parameters()) {
    const std::string owner = p.key().substr(0, p.key().rfind('.'));
    if (buffers.contains(owner + ".running_var")) p.value().uniform_(0.2, 0.8);
  }
}

torch::Tensor run_graph(const format::Graph& g, const std::map<std::string, torch::Tensor>& t, const torch::Tensor& input) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> act{{"input", input}};
  for (const auto& n : g.nodes) {
    const torch::Tensor& x = act.at(n.inputs[0]);
    torch::Tensor y;
    if (n.op == "conv2d") {
      y = torch::conv2d(x, need(t, n.name + ".weight"), optional(t, n.name + ".bias"), pair(n, "stride"),
                        pair(n, "padding"), {1, 1}, n.attrs["groups"].get<int64_t>());
    } else if (n.op == "linear") {
      y = torch::linear(x, need(t, n.name + ".weight"), optional(t, n.name + ".bias"));
    } else if (n.op == "batchnorm") {
      // What the exporter folds: scale = gamma / sqrt(var + eps), bias = beta - mean * scale.
      const auto scale = need(t, n.name + ".weight") / torch::sqrt(need(t, n.name + ".running_var") + 1e-5);
      const auto bias = need(t, n.name + ".bias") - need(t, n.name + ".running_mean") * scale;
      std::vector<int64_t> shape(x.dim(), 1);
      shape[1] = -1;
      y = x * scale.view(shape) + bias.view(shape);
    } else if (n.op == "relu") {
      y = torch::relu(x);
    } else if (n.op == "add") {
      y = x + act.at(n.inputs[1]);
    } else if (n.op == "concat") {
      std::vector<torch::Tensor> xs;
      for (const auto& name : n.inputs) xs.push_back(act.at(name));
      y = torch::cat(xs, 1);
    } else if (n.op == "maxpool2d") {
      y = torch::max_pool2d(x, pair(n, "kernel"), pair(n, "stride"), pair(n, "padding"));
    } else if (n.op == "avgpool2d") {
      y = torch::avg_pool2d(x, pair(n, "kernel"), pair(n, "stride"), pair(n, "padding"), false, true);
    } else if (n.op == "global_avgpool") {
      y = x.mean({2, 3}, true);
    } else if (n.op == "flatten") {
      y = x.flatten(1);
    } else {
      throw std::runtime_error("reference executor: unknown op " + n.op);
    }
    act[n.output] = y;
  }
  return act.at(g.output);
}

}  // namespace ttq::train::graph_ref
