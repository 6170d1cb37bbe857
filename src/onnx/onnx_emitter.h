// Walks a model's fused nodes (fused_nodes.h) and writes each as ONNX ops on float
// tensors, in graph order, the graph output as "logits". What a node's float inputs,
// weights and biases are is the precision's part: plain tensors (export_fp32.cpp), or
// DequantizeLinear of u8 activations, s8 weights and int32 biases (export_qdq.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "format/graph_shapes.h"
#include "format/model_file.h"
#include "onnx/fused_nodes.h"
#include "onnx/onnx_graph_writer.h"

namespace ttq::onnx_export {

class OnnxEmitter {
 public:
  OnnxEmitter(const format::ModelFile& m, OnnxGraphWriter& w);
  virtual ~OnnxEmitter() = default;
  // Writes every node; "input" must be the graph's input and "logits" a reserved name.
  void emit_graph();

 protected:
  struct LayerTensors {
    std::string weight, bias;  // float tensors: [O, I/g, kh, kw] or [O, I], and [O]
  };
  // The float tensor a node reads for `activation` (defined by an earlier node).
  virtual std::string read(const std::string& activation) = 0;
  // A conv's or linear's weight and bias, reading activation `input`.
  virtual LayerTensors layer_tensors(const FusedNode& f, const std::string& input) = 0;
  // Flatten and max pooling pass values through unchanged: the int8 export gives their
  // output the quantization of their input (so that ONNX Runtime drops their Q/DQ).
  virtual void passes_through(const std::string& output, const std::string& input) {}

  // The float tensor written for an activation so far.
  const std::string& written(const std::string& activation) const { return written_.at(activation); }

  const format::ModelFile& m_;
  OnnxGraphWriter& w_;
  std::map<std::string, format::ActivationShape> shapes_;

 private:
  void emit(const FusedNode& f);
  std::string emit_layer(const FusedNode& f);
  std::string flat_input(const std::string& activation);
  // The ONNX name wanted for an activation: the graph output is "logits".
  std::string name_for(const std::string& activation) const;
  std::map<std::string, std::string> written_;
};

}  // namespace ttq::onnx_export
