// The graph as the ONNX exporters write it: each conv2d/linear with the batch norms that
// fold into it and a trailing relu, as the runtime fuses them (docs/RUNTIME.md, "From graph
// to plan") but without the residual add, which stays a node of its own in ONNX (Add, or
// QLinearAdd in int8). A standalone add or batchnorm takes a following relu the same way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "format/graph.h"

namespace ttq::onnx_export {

enum class FusedKind { conv, linear, batchnorm, relu, add, concat, maxpool, avgpool, global_avgpool, flatten };

struct FusedNode {
  FusedKind kind;
  const format::Node* node = nullptr;         // the first node: the conv, the add, ...
  std::vector<const format::Node*> batchnorms;  // folded into a conv/linear, in order
  bool relu = false;                          // a relu follows inside this node
  std::vector<std::string> inputs;            // activations read
  std::string output;                         // activation defined (the last absorbed node's)
};

// In graph order; a node reads only activations defined before it. Throws FormatError for
// an op it does not know (the format's validation has already refused those).
std::vector<FusedNode> fuse_nodes(const format::Graph& g);

// Which activations are never negative (relu outputs, and adds, concats, pools and
// flattens of such), as the runtime decides it: those are u8 with zero point 0.
std::map<std::string, bool> nonnegative_activations(const format::Graph& g);

}  // namespace ttq::onnx_export
