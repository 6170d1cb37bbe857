// Runs a format::Graph with LibTorch ops on a model's own tensors (eval mode).
// The exporter uses it to calibrate activations and to prove that the graph it
// writes computes what the model computes.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

#include "format/graph.h"

namespace ttq::train {

class GraphExecutor {
 public:
  // tensors: "<node>.weight", "<node>.bias", BN "<node>.running_mean" ... as named in the model,
  // with quantized layers' weights already replaced by their effective (ternary) values.
  GraphExecutor(format::Graph graph, std::map<std::string, at::Tensor> tensors);
  // x: [N, C, H, W]; observe(name, value) sees every activation (optional).
  at::Tensor run(const at::Tensor& x,
                 const std::function<void(const std::string&, const at::Tensor&)>& observe = nullptr) const;

 private:
  const at::Tensor& tensor(const std::string& name) const;
  format::Graph graph_;
  std::map<std::string, at::Tensor> tensors_;
};

}  // namespace ttq::train
