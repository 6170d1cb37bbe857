// Charts of TTQ training: fp32 vs TTQ curves, per-layer sparsity, Wp/Wn over
// training, weight histograms before/after quantization, and the sparsity sweep.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "report/methods.h"
#include "report/sections.h"
#include "report/text_format.h"

namespace ttq::report {
namespace {

// The TTQ runs the per-run charts show: the non-sweep ones, or the sweep's if that is all there is.
std::vector<const Run*> ttq_runs(const Results& results) {
  std::vector<const Run*> main, sweep;
  for (const auto& r : results.runs)
    if (r.method() == "ttq") (is_sweep_run(r) ? sweep : main).push_back(&r);
  return main.empty() ? sweep : main;
}

// The fp32 run a TTQ run started from: config.init_checkpoint names its run directory
// (runs/<name>); results/<name> is the recorded copy. Else the fp32 run whose command
// wrote that directory; else none (a same-model guess would be a claim we cannot check).
const Run* fp32_parent(const Results& results, const Run& ttq) {
  const std::string init = ttq.init_checkpoint();
  if (init.empty()) return nullptr;
  std::string base = std::filesystem::path(init).filename().string();
  if (base == "checkpoint.pt" || base.empty()) base = std::filesystem::path(init).parent_path().filename().string();
  for (const auto& r : results.runs)
    if (r.method() == "fp32" && r.name == base) return &r;
  for (const auto& r : results.runs)
    if (r.method() == "fp32" && r.command().find("--output-dir " + init) != std::string::npos) return &r;
  return nullptr;
}

// The per-layer statistics of the last epoch that has them.
const nlohmann::json* last_layers(const Run& r) {
  const auto& h = r.history();
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    auto l = it->find("layers");
    if (l != it->end() && l->is_array() && !l->empty()) return &*l;
  }
  return nullptr;
}

// Up to n indices spread evenly over [0, size).
std::vector<size_t> spread(size_t size, size_t n) {
  std::vector<size_t> out;
  if (size <= n) {
    for (size_t i = 0; i < size; ++i) out.push_back(i);
    return out;
  }
  for (size_t k = 0; k < n; ++k) out.push_back(k * (size - 1) / (n - 1));
  return out;
}

Chart curves_chart(const Results& results, const Run& ttq) {
  Chart c;
  c.kind = Chart::Kind::Line;
  c.title = "Test top-1 per epoch: " + ttq.name;
  c.x_label = "epoch (TTQ's epochs continue after its fp32 start)";
  c.integer_x = true;
  c.y_label = "test top-1 (%)";
  c.no_data_message = "run " + ttq.name + " records no per-epoch history";
  const Run* fp32 = fp32_parent(results, ttq);
  double offset = 0;
  if (fp32) {
    Series s;
    s.name = "fp32 (" + fp32->name + ")";
    s.color = 0;
    for (const auto& h : fp32->history()) {
      s.x.push_back(number_or_nan(h, "epoch"));
      s.y.push_back(100 * number_or_nan(h, "top1"));
    }
    for (double e : s.x)
      if (std::isfinite(e)) offset = std::max(offset, e);
    c.series.push_back(std::move(s));
  }
  Series s;
  s.name = "TTQ (" + ttq.name + ")";
  s.color = 1;
  for (const auto& h : ttq.history()) {
    s.x.push_back(offset + number_or_nan(h, "epoch"));
    s.y.push_back(100 * number_or_nan(h, "top1"));
  }
  c.series.push_back(std::move(s));
  c.caption = fp32 ? "TTQ fine-tunes from " + fp32->name + " (config.init_checkpoint = " + ttq.init_checkpoint() + ")."
                   : "The fp32 run this TTQ run started from (config.init_checkpoint = \"" + ttq.init_checkpoint() +
                         "\") is not under results/, so only TTQ is drawn.";
  return c;
}

Chart layer_sparsity_chart(const Run& ttq) {
  Chart c;
  c.kind = Chart::Kind::Bars;
  c.title = "Zeros per layer (last epoch): " + ttq.name;
  c.x_label = "quantized layer";
  c.y_label = "fraction of weights that are 0 (%)";
  c.no_data_message = "run " + ttq.name + " records no per-layer statistics";
  Series s;
  s.name = "";
  if (const auto* layers = last_layers(ttq))
    for (const auto& l : *layers) {
      c.categories.push_back(l.value("name", "?"));
      s.y.push_back(100 * number_or_nan(l, "sparsity"));
    }
  c.series.push_back(std::move(s));
  c.caption = "Overall: " + percent(ttq.sparsity(), 1) + " of the quantized weights are zero.";
  return c;
}

Chart scales_chart(const Run& ttq) {
  Chart c;
  c.kind = Chart::Kind::Line;
  c.title = "Wp (solid) and Wn (dashed) over training: " + ttq.name;
  c.x_label = "epoch (0: the initial scales)";
  c.integer_x = true;
  c.y_label = "scale";
  c.no_data_message = "run " + ttq.name + " records no per-layer Wp/Wn";
  const auto& h = ttq.history();
  const auto* last = last_layers(ttq);
  if (!last) return c;
  std::vector<std::string> names;
  for (const auto& l : *last) names.push_back(l.value("name", "?"));
  const auto pick = spread(names.size(), 5);
  int color = 0;
  for (size_t idx : pick) {
    Series wp, wn;
    wp.name = names[idx] + " Wp";
    wn.name = names[idx] + " Wn";
    wp.color = wn.color = color++;
    wn.dashed = true;
    for (size_t e = 0; e < h.size(); ++e) {
      const auto layers = h[e].find("layers");
      if (layers == h[e].end() || !layers->is_array()) continue;
      for (const auto& l : *layers) {
        if (l.value("name", "") != names[idx]) continue;
        // init "one": the authors' start, Wp = Wn = 1 (docs/DESIGN.md §2.5); drawn as epoch 0.
        if (wp.x.empty() && l.value("init", "") == "one") {
          wp.x.push_back(0), wp.y.push_back(1);
          wn.x.push_back(0), wn.y.push_back(1);
        }
        const double epoch = number_or_nan(h[e], "epoch");
        wp.x.push_back(epoch), wp.y.push_back(number_or_nan(l, "wp"));
        wn.x.push_back(epoch), wn.y.push_back(number_or_nan(l, "wn"));
      }
    }
    c.series.push_back(std::move(wp));
    c.series.push_back(std::move(wn));
  }
  c.caption = "Layers shown: " + std::to_string(pick.size()) + " of " + std::to_string(names.size()) +
              ", spread from first to last quantized layer.";
  return c;
}

// One layer's latent weights (bins) and effective weights (distinct values or bins),
// as fractions of the layer's weights so both fit one axis.
Chart histogram_chart(const Run& run, const nlohmann::json& layer) {
  Chart c;
  c.kind = Chart::Kind::Histogram;
  c.title = "Weights of " + layer.value("name", std::string("?")) + ": " + run.name;
  c.x_label = "weight value";
  c.y_label = "fraction of the layer's weights";
  c.y_from_zero = true;
  c.no_data_message = "no histogram recorded for this layer";
  auto add = [&](const char* key, const std::string& name, int color) {
    const auto it = layer.find(key);
    if (it == layer.end() || !it->is_object()) return;
    const auto& hist = *it;
    Series s;
    s.name = name;
    s.color = color;
    const auto counts = hist.find("counts");
    if (counts == hist.end() || !counts->is_array()) return;
    double total = 0;
    for (const auto& v : *counts) total += v.is_number() ? v.get<double>() : 0;
    if (total <= 0) return;
    const auto values = hist.find("values");
    if (values != hist.end() && values->is_array()) {
      for (size_t i = 0; i < values->size() && i < counts->size(); ++i) {
        s.x.push_back((*values)[i].is_number() ? (*values)[i].get<double>() : std::nan(""));
        s.y.push_back((*counts)[i].is_number() ? (*counts)[i].get<double>() / total : std::nan(""));
      }
    } else {
      const double lo = number_or_nan(hist, "lo"), hi = number_or_nan(hist, "hi");
      const size_t n = counts->size();
      if (std::isnan(lo) || std::isnan(hi) || n == 0) return;
      const double w = (hi > lo ? hi - lo : 1.0) / double(n);
      s.bar_width = w;
      for (size_t i = 0; i < n; ++i) {
        s.x.push_back(lo + w * (double(i) + 0.5));
        s.y.push_back((*counts)[i].is_number() ? (*counts)[i].get<double>() / total : std::nan(""));
      }
    }
    c.series.push_back(std::move(s));
  };
  add("latent", "latent fp32 (before)", 0);
  add("effective", "effective (after)", 1);
  return c;
}

// A section with one chart per TTQ run, or a single "no data" chart when there is none.
template <class MakeChart>
Section per_ttq_run_section(std::string id, std::string title, std::string paragraph,
                            const std::vector<const Run*>& ttq, Chart::Kind kind, MakeChart make_chart) {
  Section s{std::move(id), std::move(title), {}};
  s.paragraph(std::move(paragraph));
  for (const Run* r : ttq) s.chart(make_chart(*r));
  if (ttq.empty()) {
    Chart c;
    c.kind = kind;
    c.title = s.title;
    c.no_data_message = "no TTQ run under results/ yet";
    s.chart(c);
  }
  return s;
}

Section curves_section(const Results& results, const std::vector<const Run*>& ttq) {
  return per_ttq_run_section(
      "curves", "fp32 vs TTQ training curves",
      "Test top-1 after every epoch of the fp32 run and of the TTQ run that fine-tuned from it.", ttq,
      Chart::Kind::Line, [&](const Run& r) { return curves_chart(results, r); });
}

Section sparsity_section(const std::vector<const Run*>& ttq) {
  return per_ttq_run_section(
      "layer-sparsity", "Per-layer sparsity of TTQ runs",
      "The fraction of each quantized layer's weights that TTQ sets to 0 (|w̃| ≤ Δ) at the end of the run.", ttq,
      Chart::Kind::Bars, layer_sparsity_chart);
}

Section scales_section(const std::vector<const Run*>& ttq) {
  return per_ttq_run_section("scales", "Wp and Wn over training",
                             "TTQ learns two scales per layer: +Wp for positive codes, −Wn for negative ones.", ttq,
                             Chart::Kind::Line, scales_chart);
}

Section histograms_section(const Results& results) {
  Section s{"histograms", "Weight histograms before and after quantization", {}};
  s.paragraph("Latent fp32 weights (binned) against the weights the layer computes with (for TTQ: the three values "
              "−Wn, 0, +Wp), for the first, a middle and the last quantized layer of each quantized run that "
              "records weight_histograms (runs recorded before the histograms existed do not).");
  int charts = 0;
  std::vector<const Run*> order;
  for (const auto& r : results.runs)
    if (r.method() == "ttq" && !is_sweep_run(r)) order.push_back(&r);
  for (const auto& r : results.runs)
    if (r.method() != "ttq" && r.method() != "fp32") order.push_back(&r);
  for (const Run* r : order) {
    const auto it = r->j.find("weight_histograms");
    if (it == r->j.end() || !it->is_array()) continue;
    std::vector<const nlohmann::json*> quantized;
    for (const auto& l : *it)
      if (l.is_object() && l.value("quantized", false)) quantized.push_back(&l);
    for (size_t idx : spread(quantized.size(), 3)) {
      s.chart(histogram_chart(*r, *quantized[idx]));
      ++charts;
    }
    if (charts >= 9) break;
  }
  if (charts == 0) {
    Chart c;
    c.kind = Chart::Kind::Histogram;
    c.title = "Weight histograms";
    c.no_data_message = "no quantized run under results/ records weight_histograms yet";
    s.chart(c);
  }
  return s;
}

Section sweep_section(const Results& results) {
  Section s{"sweep", "Sparsity sweep (TTQ, threshold mode \"sparsity\")", {}};
  s.paragraph("Zhu et al. 2017 (TTQ): TTQ with a target fraction r of zero weights per layer, r from 0 to 0.5; the "
              "paper finds the best accuracy at r between 0.3 and 0.5.");
  Chart c;
  c.kind = Chart::Kind::Line;
  c.title = "Top-1 vs target sparsity r";
  c.x_label = "target sparsity r";
  c.y_label = "test top-1 (%)";
  c.no_data_message = "no TTQ run with threshold_mode \"sparsity\" under results/ yet";
  std::map<ModelDataset, std::vector<const Run*>> by_pair;
  for (const auto& r : results.runs)
    if (is_sweep_run(r)) by_pair[{r.model(), r.dataset()}].push_back(&r);
  Table t;
  t.header = {"Model", "Dataset", "r", "Measured zeros", "Top-1", "Epochs", "Run"};
  for (auto& [pair, runs] : by_pair) {
    std::sort(runs.begin(), runs.end(), [](const Run* a, const Run* b) { return a->target_sparsity() < b->target_sparsity(); });
    Series series;
    series.name = pair.first + " / " + pair.second;
    for (const Run* r : runs) {
      series.x.push_back(r->target_sparsity());
      series.y.push_back(100 * r->top1());
      t.rows.push_back({pair.first, pair.second, tick_label(r->target_sparsity()), percent(r->sparsity(), 1),
                        percent(r->top1()), std::isnan(r->epochs()) ? kMissing : fixed(r->epochs(), 0), r->name});
    }
    c.series.push_back(std::move(series));
  }
  if (!t.rows.empty()) s.table(std::move(t));
  s.chart(std::move(c));
  return s;
}

}  // namespace

std::vector<Section> training_sections(const Results& results) {
  const auto ttq = ttq_runs(results);
  std::vector<Section> out;
  out.push_back(curves_section(results, ttq));
  out.push_back(sparsity_section(ttq));
  out.push_back(scales_section(ttq));
  out.push_back(histograms_section(results));
  out.push_back(sweep_section(results));
  return out;
}

}  // namespace ttq::report
