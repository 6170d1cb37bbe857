#include "report/methods.h"

#include <cmath>

#include "report/text_format.h"

namespace ttq::report {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

const nlohmann::json& quant_config(const Run& run) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto c = run.j.find("config");
  if (c == run.j.end() || !c->is_object()) return empty;
  const auto q = c->find("quant");
  return q == c->end() || !q->is_object() ? empty : *q;
}

std::string int_field(const nlohmann::json& q, const char* key, const std::string& fallback) {
  const double v = number_or_nan(q, key);
  return std::isnan(v) ? fallback : std::to_string(static_cast<long long>(std::llround(v)));
}

// The TTQ options a run changed from the authors' defaults, so two r = 0.5 rows differ.
std::string ttq_options(const nlohmann::json& q) {
  std::string s;
  const std::string init = q.value("init", std::string("one"));
  if (init == "data") s += ", scales from data";
  if (init == "weights") s += ", scales from the weights";
  if (!q.value("weight_decay_on_scales", true)) s += ", no decay on Wp/Wn";
  if (q.value("wn_grad_sign", std::string("true")) == "paper") s += ", paper's Wn sign";
  const double latent = number_or_nan(q, "latent_grad_scale");
  if (!std::isnan(latent) && latent != 1.0) s += ", latent gradients x" + tick_label(latent);
  return s;
}

}  // namespace

const std::vector<MethodCategory>& method_categories() {
  static const std::vector<MethodCategory> rows = {
      {"fp32", "fp32"},
      {"ttq", "TTQ"},
      {"twn", "TWN"},
      {"binary", "Binary (BWN)"},
      {"dorefa", "DoReFa (2-bit)"},
      {"int8-ptq", "INT8 PTQ"},
      {"int8-qat", "INT8 QAT"},
      {"fp16", "FP16"},
      {"deep-compression", "Deep Compression"},
  };
  return rows;
}

std::string method_category(const std::string& m) {
  if (m == "fp32" || m == "none") return "fp32";
  if (m == "ttq") return "ttq";
  if (m == "twn") return "twn";
  if (m == "bwn" || m == "binary" || starts_with(m, "xnor") || starts_with(m, "bwn-")) return "binary";
  if (starts_with(m, "dorefa")) return "dorefa";
  if (starts_with(m, "int8-ptq") || starts_with(m, "ptq")) return "int8-ptq";
  if (starts_with(m, "int8-qat") || m == "qat") return "int8-qat";
  if (m == "fp16") return "fp16";
  if (m == "prune" || m == "kmeans" || m == "huffman" || starts_with(m, "deep-compression") || m == "dc")
    return "deep-compression";
  return "other";
}

namespace {

std::string method_options(const Run& run) {
  const std::string m = run.method();
  const std::string cat = method_category(m);
  const auto& q = quant_config(run);
  if (cat == "ttq") {
    if (run.threshold_mode() == "sparsity") return "r = " + tick_label(run.target_sparsity()) + ttq_options(q);
    const double t = number_or_nan(q, "t");
    const std::string options = ttq_options(q);
    if (std::isnan(t)) return options.empty() ? "" : options.substr(2);
    return "t = " + tick_label(t) + options;
  }
  if (cat == "dorefa") {
    const std::string a = int_field(q, "act_bits", "0");
    return "W" + int_field(q, "weight_bits", "?") + "A" + (a == "0" ? "32" : a);
  }
  if (cat == "int8-qat") {
    const std::string a = int_field(q, "act_bits", "0");
    return a == "0" ? "weights" : "weights + A" + a;
  }
  if (cat == "int8-ptq") {
    if (starts_with(m, "int8-ptq-")) return m.substr(9);
    return m == "int8-ptq" ? "" : m;
  }
  if (cat == "deep-compression") {
    if (m == "prune") {
      const double f = number_or_nan(q, "prune_fraction");
      return std::isnan(f) ? "prune" : "prune " + fixed(100 * f, 0) + " %";
    }
    if (m == "kmeans") {
      // Runs from before the option summed, as the paper does.
      const bool mean = q.value("centroid_grad", std::string("sum")) == "mean";
      return "k-means " + int_field(q, "weight_bits", "?") + "-bit" + (mean ? ", mean centroid gradient" : "");
    }
    return m;
  }
  if (cat == "other") return m;
  return "";
}

}  // namespace

std::string method_variant(const Run& run) {
  const std::string options = method_options(run);
  if (run.j.value("amp", std::string("none")) != "bf16") return options;
  return options.empty() ? "bf16 autocast" : options + ", bf16 autocast";
}

bool is_sweep_run(const Run& run) { return run.sweep_point; }

}  // namespace ttq::report
