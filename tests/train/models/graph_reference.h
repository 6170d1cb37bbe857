// A tiny reference executor for format::Graph written with plain LibTorch ops:
// it runs a model's describe() graph on the model's own tensors, so a test can
// check that the graph computes what forward() computes.
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <string>

#include "format/graph.h"

namespace ttq::train::graph_ref {

// Every named parameter and buffer of m ("layer1.0.conv1.weight", "bn1.running_mean", ...).
std::map<std::string, torch::Tensor> state_tensors(torch::nn::Module& m);

// Gives every batch norm of m random running statistics and affine parameters (fresh
// ones are the identity in eval mode, which would hide a misplaced or missing node).
void randomize_batch_norms(torch::nn::Module& m);

// Runs g on input [N,C,H,W] in eval-mode semantics (batch norm from running
// statistics, eps 1e-5) and returns the graph output.
torch::Tensor run_graph(const format::Graph& g, const std::map<std::string, torch::Tensor>& tensors,
                        const torch::Tensor& input);

}  // namespace ttq::train::graph_ref
