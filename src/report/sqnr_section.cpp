// INT8 post-training quantization: per-layer SQNR (signal-to-quantization-noise
// ratio, dB) of every run that records one ("sqnr": [{layer, sqnr_db}]).
#include <cmath>

#include "report/sections.h"
#include "report/text_format.h"

namespace ttq::report {

Section sqnr_section(const Results& results) {
  Section s{"sqnr", "Per-layer SQNR of post-training quantization", {}};
  s.paragraph("10·log10(‖w‖² / ‖w − q(w)‖²) for each layer's weights: higher is closer to fp32; every 6 dB is about "
              "one bit.");
  int charts = 0;
  for (const auto& r : results.runs) {
    const auto it = r.j.find("sqnr");
    if (it == r.j.end() || !it->is_array() || it->empty()) continue;
    Chart c;
    c.kind = Chart::Kind::Bars;
    c.title = "SQNR per layer: " + r.name + " (" + r.method() + ")";
    c.x_label = "layer";
    c.y_label = "SQNR (dB)";
    c.no_data_message = "run " + r.name + " records no numeric SQNR";
    Series series;
    double sum = 0;
    int n = 0;
    for (const auto& e : *it) {
      if (!e.is_object()) continue;
      c.categories.push_back(e.value("layer", e.value("name", std::string("?"))));
      const double db = number_or_nan(e, "sqnr_db");
      series.y.push_back(db);
      if (std::isfinite(db)) sum += db, ++n;
    }
    c.series.push_back(std::move(series));
    if (n) c.caption = "Mean over " + std::to_string(n) + " layers: " + fixed(sum / n, 1) + " dB.";
    s.chart(std::move(c));
    ++charts;
  }
  if (charts == 0) {
    Chart c;
    c.kind = Chart::Kind::Bars;
    c.title = "SQNR per layer";
    c.no_data_message = "no run under results/ records \"sqnr\" (INT8 PTQ runs do)";
    s.chart(std::move(c));
  }
  return s;
}

}  // namespace ttq::report
