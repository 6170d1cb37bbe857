// int8 ONNX in QDQ form, laid out as ONNX Runtime's own quantize_static lays it out, so
// that its graph optimizer fuses each DequantizeLinear -> op -> QuantizeLinear group into
// one integer op (QLinearConv, QLinearAdd, QGemm, ...; docs/ONNX.md): every activation a
// node reads is quantized once after it is written (QuantizeLinear, u8 per tensor) and
// read through one DequantizeLinear; weights are s8 per output channel and biases int32,
// each behind its own DequantizeLinear.
#include <algorithm>
#include <cmath>
#include <limits>

#include "onnx/activation_quantization.h"
#include "onnx/exporters.h"
#include "onnx/layer_weights.h"
#include "onnx/onnx_emitter.h"

namespace ttq::onnx_export {
namespace {

int32_t quantize_bias(float bias, float scale) {
  const double q = std::nearbyint(static_cast<double>(bias) / scale);
  return static_cast<int32_t>(std::clamp(q, static_cast<double>(std::numeric_limits<int32_t>::min()),
                                         static_cast<double>(std::numeric_limits<int32_t>::max())));
}

class QdqEmitter : public OnnxEmitter {
 public:
  QdqEmitter(const format::ModelFile& m, OnnxGraphWriter& w)
      : OnnxEmitter(m, w), quantize_(m) {}

 protected:
  std::string read(const std::string& activation) override {
    auto it = dequantized_.find(activation);
    if (it != dequantized_.end()) return it->second;
    const ActivationQuantization& q = quantization(activation);
    const std::string scale = w_.add_floats(activation + "_scale", {}, {q.scale});
    const std::string zero_point = w_.add_uint8s(activation + "_zero_point", {}, {q.zero_point});
    const std::string quantized = OnnxGraphWriter::output_of(
        w_.add_node("QuantizeLinear", {written(activation), scale, zero_point}, activation + "_quantized"));
    const std::string dequantized = OnnxGraphWriter::output_of(
        w_.add_node("DequantizeLinear", {quantized, scale, zero_point}, activation + "_dequantized"));
    return dequantized_[activation] = dequantized;
  }

  LayerTensors layer_tensors(const FusedNode& f, const std::string& input) override {
    const Int8Layer L = int8_layer(m_, f, shapes_);
    const std::string& name = f.node->name;
    const int64_t O = L.shape[0];
    const std::string weight = dequantize_per_channel(
        name + ".weight", w_.add_int8s(name + ".weight_quantized", L.shape, L.weight), L.weight_scale,
        w_.add_int8s(name + ".weight_zero_point", {O}, std::vector<int8_t>(O, 0)));
    // The bias in the units of the int32 sum: input scale x weight scale, as QLinearConv
    // and QGemm add it.
    const float input_scale = quantization(input).scale;
    std::vector<float> bias_scale(O);
    std::vector<int32_t> bias(O);
    for (int64_t o = 0; o < O; ++o) {
      bias_scale[o] = input_scale * L.weight_scale[o];
      bias[o] = quantize_bias(L.bias[o], bias_scale[o]);
    }
    const std::string b = dequantize_per_channel(name + ".bias", w_.add_int32s(name + ".bias_quantized", {O}, bias),
                                                 bias_scale, w_.add_int32s(name + ".bias_zero_point", {O}, std::vector<int32_t>(O, 0)));
    return {weight, b};
  }

  void passes_through(const std::string& output, const std::string& input) override { passes_through_[output] = input; }

 private:
  std::string dequantize_per_channel(const std::string& name, const std::string& quantized, const std::vector<float>& scale,
                                     const std::string& zero_point) {
    const std::string s = w_.add_floats(name + "_scale", {static_cast<int64_t>(scale.size())}, scale);
    onnx::NodeProto* node = w_.add_node("DequantizeLinear", {quantized, s, zero_point}, name);
    set_int(node, "axis", 0);
    return OnnxGraphWriter::output_of(node);
  }

  // Decided once per activation; a flatten's or max pool's output takes its input's.
  const ActivationQuantization& quantization(const std::string& activation) {
    auto it = quantization_.find(activation);
    if (it != quantization_.end()) return it->second;
    auto through = passes_through_.find(activation);
    const ActivationQuantization q = through != passes_through_.end()
                                         ? quantization(through->second)
                                         : quantize_(activation);
    return quantization_[activation] = q;
  }

  const ActivationQuantizer quantize_;
  std::map<std::string, std::string> passes_through_;  // output -> input of flattens and max pools
  std::map<std::string, ActivationQuantization> quantization_;
  std::map<std::string, std::string> dequantized_;  // activation -> its DequantizeLinear's output
};

}  // namespace

void write_qdq_graph(const format::ModelFile& m, OnnxGraphWriter& w) { QdqEmitter(m, w).emit_graph(); }

}  // namespace ttq::onnx_export
