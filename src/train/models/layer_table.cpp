#include "train/models/layer_table.h"

#include <iomanip>
#include <sstream>

#include "train/models/graph_shapes.h"

namespace ttq::train {
namespace {

int64_t params_under(Network& net, const std::string& prefix) {
  int64_t n = 0;
  for (const auto& p : net.named_parameters()) {
    if (p.key().compare(0, prefix.size(), prefix) == 0) n += p.value().numel();
  }
  return n;
}

bool has_buffer(Network& net, const std::string& name) {
  for (const auto& b : net.named_buffers()) {
    if (b.key() == name) return true;
  }
  return false;
}

int64_t elements(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// 1234567 -> "1,234,567"
std::string thousands(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::vector<LayerInfo> layer_table(Network& net, std::array<int64_t, 3> input_shape) {
  const format::Graph g = net.describe(input_shape);
  const auto shapes = infer_shapes(g);
  std::vector<LayerInfo> rows;
  for (const auto& n : g.nodes) {
    if (n.op != "conv2d" && n.op != "linear" && n.op != "batchnorm") continue;
    LayerInfo r;
    r.name = n.name;
    r.type = n.op;
    r.in_shape = shapes.at(n.inputs[0]);
    r.out_shape = shapes.at(n.output);
    r.params = params_under(net, n.name + ".");
    if (n.op == "conv2d") {
      const int64_t kh = n.attrs["kernel"][0], kw = n.attrs["kernel"][1];
      const int64_t groups = n.attrs["groups"], in_ch = n.attrs["in_channels"];
      r.macs = elements(r.out_shape) * (in_ch / groups) * kh * kw;
      r.detail = std::to_string(kh) + "x" + std::to_string(kw) + " s" + std::to_string(n.attrs["stride"][0].get<int64_t>()) +
                 " p" + std::to_string(n.attrs["padding"][0].get<int64_t>());
      if (groups > 1) r.detail += " g" + std::to_string(groups);
      if (has_buffer(net, n.name + ".weight")) r.detail += " fixed";
    } else if (n.op == "linear") {
      r.macs = elements(r.in_shape) * r.out_shape[0];
    } else {
      r.macs = elements(r.out_shape);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string format_layer_table(const std::vector<LayerInfo>& rows) {
  size_t name_w = 5;
  for (const auto& r : rows) name_w = std::max(name_w, r.name.size());
  std::ostringstream out;
  const auto line = [&](const std::string& name, const std::string& type, const std::string& shapes,
                        const std::string& params, const std::string& macs) {
    out << std::left << std::setw(int(name_w) + 2) << name << std::setw(26) << type << std::setw(28) << shapes
        << std::right << std::setw(12) << params << std::setw(16) << macs << "\n";
  };
  line("layer", "type", "in -> out", "params", "MACs");
  int64_t params = 0, macs = 0;
  for (const auto& r : rows) {
    line(r.name, r.detail.empty() ? r.type : r.type + " " + r.detail,
         shape_string(r.in_shape) + " -> " + shape_string(r.out_shape), thousands(r.params), thousands(r.macs));
    params += r.params;
    macs += r.macs;
  }
  line("total", "", "", thousands(params), thousands(macs));
  return out.str();
}

}  // namespace ttq::train
