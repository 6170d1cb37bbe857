// fp32 ONNX: every layer float with its batch norms folded in; ternary weights as the
// exact {-Wn, 0, +Wp} the runtime's fp32 reference path uses.
#include "onnx/exporters.h"
#include "onnx/layer_weights.h"
#include "onnx/onnx_emitter.h"

namespace ttq::onnx_export {
namespace {

class Fp32Emitter : public OnnxEmitter {
 public:
  using OnnxEmitter::OnnxEmitter;

 protected:
  std::string read(const std::string& activation) override { return written(activation); }

  LayerTensors layer_tensors(const FusedNode& f, const std::string&) override {
    const FloatLayer L = float_layer(m_, f);
    const std::string& name = f.node->name;
    return {w_.add_floats(name + ".weight", L.shape, L.weight),
            w_.add_floats(name + ".bias", {L.shape[0]}, L.bias)};
  }
};

}  // namespace

void write_fp32_graph(const format::ModelFile& m, OnnxGraphWriter& w) { Fp32Emitter(m, w).emit_graph(); }

}  // namespace ttq::onnx_export
