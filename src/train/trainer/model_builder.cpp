#include "train/trainer/model_builder.h"

#include "common/error.h"
#include "train/models/model_zoo.h"
#include "train/models/network.h"
#include "train/quant/apply_quantization.h"
#include "train/quant/ttq_function.h"
#include "train/quant/ttq_quantizer.h"
#include "train/trainer/quant_methods.h"

namespace ttq::train {

std::shared_ptr<Network> build_network(const TrainConfig& cfg, std::array<int64_t, 3> shape, int num_classes) {
  ModelOptions o;
  o.in_channels = shape[0];
  o.height = shape[1];
  o.width = shape[2];
  o.num_classes = num_classes;
  return make_model(cfg.model, o);
}

std::vector<std::string> attach_quantization(Network& net, const QuantConfig& q) {
  if (q.method == "none") return {};
  QuantSelection sel;
  sel.quantize_first_conv = q.quantize_first_conv;
  sel.quantize_last_fc = q.quantize_last_fc;
  sel.exclude = q.exclude;
  if (q.method == "ttq") {
    TTQOptions o;
    o.threshold.mode = parse_threshold_mode(q.threshold_mode);
    o.threshold.t = q.t;
    o.threshold.sparsity = q.sparsity;
    o.init = parse_scale_init(q.init);
    o.wn_grad_sign = parse_wn_grad_sign(q.wn_grad_sign);
    return attach_ttq(net, sel, o);
  }
  if (auto names = attach_qat_baseline(net, sel, q)) return *names;
  if (auto names = attach_compression_method(net, sel, q)) return *names;
  throw ArgumentError("unknown --quant '" + q.method + "'", "see `ttq train --help` for the methods");
}

LoadedNetwork load_network(const std::string& checkpoint_or_dir) {
  LoadedNetwork r;
  r.path = resolve_checkpoint_path(checkpoint_or_dir);
  r.meta = read_checkpoint_meta(r.path);
  r.net = build_network(r.meta.config, r.meta.input_shape, r.meta.num_classes);
  attach_quantization(*r.net, r.meta.config.quant);
  load_checkpoint_model(r.path, *r.net);
  return r;
}

}  // namespace ttq::train
