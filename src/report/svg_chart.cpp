#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "report/text_format.h"

namespace ttq::report {
namespace {

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

// Tick step: 1, 2, 2.5 or 5 times a power of ten, about `target` ticks over the range.
double nice_step(double span, int target) {
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

// Widens a degenerate range; with `expand` rounds it out to whole ticks, else
// keeps it and returns the ticks inside. Steps are at least min_step.
std::vector<double> linear_ticks(Range& r, int target, bool expand, double min_step) {
  if (r.empty()) r = {0, 1};
  if (r.hi - r.lo < 1e-12) {
    const double pad = std::max(std::fabs(r.lo) * 0.05, 0.5);
    r.lo -= pad;
    r.hi += pad;
  }
  const double step = std::max(nice_step(r.hi - r.lo, target), min_step);
  if (expand) {
    r.lo = std::floor(r.lo / step + 1e-9) * step;
    r.hi = std::ceil(r.hi / step - 1e-9) * step;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(r.lo / step - 1e-9) * step; t <= r.hi + step * 1e-6; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

// Powers of two; the range reaches half an octave past the outermost ones so points stay off the edges.
std::vector<double> log2_ticks(Range& r) {
  if (r.empty() || r.lo <= 0) r = {1, 32};
  double lo = std::pow(2.0, std::floor(std::log2(r.lo) + 1e-9));
  double hi = std::pow(2.0, std::ceil(std::log2(r.hi) - 1e-9));
  if (hi <= lo) hi = lo * 2;
  std::vector<double> ticks;
  for (double t = lo; t <= hi * 1.0001; t *= 2) ticks.push_back(t);
  r = {lo / std::sqrt(2.0), hi * std::sqrt(2.0)};
  return ticks;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string truncate(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 1) + "\xE2\x80\xA6";  // …
}

}  // namespace

const char* palette_color(int i) { return kPalette[((i % 10) + 10) % 10]; }

bool Chart::has_data() const {
  if (kind == Kind::Bars) {
    if (categories.empty()) return false;
    for (const auto& s : series)
      for (double v : s.y)
        if (std::isfinite(v)) return true;
    return false;
  }
  for (const auto& s : series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!log2_x || s.x[i] > 0)) return true;
  return false;
}

std::string render_svg(const Chart& c) {
  const bool bars = c.kind == Chart::Kind::Bars;
  bool legend = false;
  size_t legend_chars = 0;
  for (const auto& s : c.series)
    if (!s.name.empty()) {
      legend = true;
      legend_chars = std::max(legend_chars, std::min<size_t>(s.name.size(), 26));
    }
  size_t longest_category = 0;
  for (const auto& cat : c.categories) longest_category = std::max(longest_category, std::min<size_t>(cat.size(), 24));
  const bool rotate_categories = bars && (c.categories.size() > 6 || longest_category > 10);

  const double left = 64, top = 34;
  const double right = legend ? 28 + 7.0 * double(legend_chars) : 20;
  const double bottom = 46 + (rotate_categories ? 5.0 * double(longest_category) : 0);
  const double W = c.width, H = c.height + (rotate_categories ? 5.0 * double(longest_category) : 0);
  const double pw = std::max(60.0, W - left - right), ph = std::max(60.0, H - top - bottom);

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << num(W) << "\" height=\"" << num(H)
    << "\" viewBox=\"0 0 " << num(W) << " " << num(H) << "\" role=\"img\" aria-label=\"" << escape_xml(c.title)
    << "\" font-family=\"sans-serif\" font-size=\"11\">";
  o << "<title>" << escape_xml(c.title) << "</title>";
  o << "<rect x=\"0\" y=\"0\" width=\"" << num(W) << "\" height=\"" << num(H) << "\" fill=\"#ffffff\"/>";
  o << "<text x=\"" << num(W / 2) << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
    << escape_xml(c.title) << "</text>";

  if (!c.has_data()) {
    o << "<text x=\"" << num(W / 2) << "\" y=\"" << num(H / 2) << "\" text-anchor=\"middle\" fill=\"#666666\">"
      << escape_xml(c.no_data_message.empty() ? "no data" : c.no_data_message) << "</text></svg>";
    return o.str();
  }

  // Ranges.
  Range xr, yr;
  for (const auto& s : c.series) {
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!bars && (i >= s.x.size() || !std::isfinite(s.x[i]) || (c.log2_x && s.x[i] <= 0))) continue;
      yr.add(s.y[i]);
      if (!bars) {
        xr.add(s.x[i] - s.bar_width / 2);
        xr.add(s.x[i] + s.bar_width / 2);
      }
    }
  }
  if (c.y_from_zero || bars) yr.add(0);
  if (!bars)
    for (double x : c.x_include) xr.add(x);
  // Points and lines keep a margin from the plot's edges.
  if ((c.kind == Chart::Kind::Line || c.kind == Chart::Kind::Scatter) && !yr.empty()) {
    const double pad = std::max((yr.hi - yr.lo) * 0.08, 1e-9);
    yr.lo -= pad;
    yr.hi += pad;
  }
  if (!bars && !c.log2_x && !xr.empty()) {
    const double pad = (xr.hi - xr.lo) * 0.04;
    xr.lo -= pad;
    xr.hi += pad;
  }
  const std::vector<double> yt = linear_ticks(yr, 5, true, 0);
  std::vector<double> xt;
  if (!bars) xt = c.log2_x ? log2_ticks(xr) : linear_ticks(xr, 6, false, c.integer_x ? 1.0 : 0.0);

  auto X = [&](double x) {
    if (c.log2_x) return left + pw * (std::log2(x) - std::log2(xr.lo)) / (std::log2(xr.hi) - std::log2(xr.lo));
    return left + pw * (x - xr.lo) / (xr.hi - xr.lo);
  };
  auto Y = [&](double y) { return top + ph * (1 - (y - yr.lo) / (yr.hi - yr.lo)); };

  // Grid, ticks and tick labels.
  o << "<g stroke=\"#e3e3e3\" stroke-width=\"1\">";
  for (double t : yt) o << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + pw) << "\" y1=\"" << num(Y(t)) << "\" y2=\"" << num(Y(t)) << "\"/>";
  for (double t : xt) o << "<line y1=\"" << num(top) << "\" y2=\"" << num(top + ph) << "\" x1=\"" << num(X(t)) << "\" x2=\"" << num(X(t)) << "\"/>";
  o << "</g>";
  o << "<g fill=\"#333333\">";
  for (double t : yt)
    o << "<text x=\"" << num(left - 6) << "\" y=\"" << num(Y(t) + 4) << "\" text-anchor=\"end\">" << escape_xml(tick_label(t)) << "</text>";
  for (double t : xt)
    o << "<text x=\"" << num(X(t)) << "\" y=\"" << num(top + ph + 15) << "\" text-anchor=\"middle\">" << escape_xml(tick_label(t)) << "</text>";
  o << "</g>";

  // Data.
  o << "<g class=\"data\">";
  if (bars) {
    const size_t groups = c.categories.size();
    const size_t n = std::max<size_t>(1, c.series.size());
    const double group_w = pw / double(groups);
    const double bar_w = group_w * 0.8 / double(n);
    for (size_t s = 0; s < c.series.size(); ++s) {
      const auto& sr = c.series[s];
      const char* color = palette_color(sr.color >= 0 ? sr.color : int(s));
      for (size_t g = 0; g < groups && g < sr.y.size(); ++g) {
        if (!std::isfinite(sr.y[g])) continue;
        const double x0 = left + group_w * double(g) + group_w * 0.1 + bar_w * double(s);
        const double y0 = Y(std::max(sr.y[g], 0.0)), y1 = Y(std::min(sr.y[g], 0.0));
        o << "<rect x=\"" << num(x0) << "\" y=\"" << num(y0) << "\" width=\"" << num(std::max(1.0, bar_w - 1)) << "\" height=\""
          << num(std::max(0.5, y1 - y0)) << "\" fill=\"" << color << "\"><title>" << escape_xml(c.categories[g])
          << (sr.name.empty() ? "" : " / " + escape_xml(sr.name)) << ": " << escape_xml(tick_label(sr.y[g]))
          << "</title></rect>";
      }
    }
    for (size_t g = 0; g < groups; ++g) {
      const double cx = left + group_w * (double(g) + 0.5);
      const std::string label = escape_xml(truncate(c.categories[g], 24));
      if (rotate_categories)
        o << "<text x=\"" << num(cx) << "\" y=\"" << num(top + ph + 12) << "\" text-anchor=\"end\" transform=\"rotate(-45 "
          << num(cx) << " " << num(top + ph + 12) << ")\" font-size=\"10\">" << label << "</text>";
      else
        o << "<text x=\"" << num(cx) << "\" y=\"" << num(top + ph + 15) << "\" text-anchor=\"middle\">" << label << "</text>";
    }
  } else {
    for (size_t s = 0; s < c.series.size(); ++s) {
      const auto& sr = c.series[s];
      const char* color = palette_color(sr.color >= 0 ? sr.color : int(s));
      std::vector<std::pair<double, double>> pts;
      std::vector<std::string> labels;
      for (size_t i = 0; i < std::min(sr.x.size(), sr.y.size()); ++i) {
        if (!std::isfinite(sr.x[i]) || !std::isfinite(sr.y[i]) || (c.log2_x && sr.x[i] <= 0)) continue;
        pts.emplace_back(sr.x[i], sr.y[i]);
        labels.push_back(i < sr.point_labels.size() ? sr.point_labels[i] : "");
      }
      if (c.kind == Chart::Kind::Histogram) {
        for (const auto& [x, y] : pts) {
          const double x0 = sr.bar_width > 0 ? X(x - sr.bar_width / 2) : X(x) - 1.5;
          const double x1 = sr.bar_width > 0 ? X(x + sr.bar_width / 2) : X(x) + 1.5;
          o << "<rect x=\"" << num(x0) << "\" y=\"" << num(Y(y)) << "\" width=\"" << num(std::max(1.0, x1 - x0)) << "\" height=\""
            << num(std::max(0.0, Y(0) - Y(y))) << "\" fill=\"" << color << "\" fill-opacity=\"" << (sr.bar_width > 0 ? "0.55" : "0.9")
            << "\"/>";
        }
        continue;
      }
      if (c.kind == Chart::Kind::Line && pts.size() > 1) {
        o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"" << (sr.dashed ? " stroke-dasharray=\"6 4\"" : "")
          << " points=\"";
        for (size_t i = 0; i < pts.size(); ++i) o << (i ? " " : "") << num(X(pts[i].first)) << "," << num(Y(pts[i].second));
        o << "\"/>";
      }
      for (size_t i = 0; i < pts.size(); ++i) {
        const double px = X(pts[i].first), py = Y(pts[i].second);
        o << "<circle cx=\"" << num(px) << "\" cy=\"" << num(py) << "\" r=\"" << (c.kind == Chart::Kind::Scatter ? "4.5" : "3")
          << "\" fill=\"" << color << "\"><title>" << escape_xml(sr.name.empty() ? labels[i] : sr.name) << ": ("
          << escape_xml(tick_label(pts[i].first)) << ", " << escape_xml(tick_label(pts[i].second)) << ")</title></circle>";
        if (!labels[i].empty()) {
          const bool right_half = px > left + pw * 0.6;
          o << "<text x=\"" << num(right_half ? px - 7 : px + 7) << "\" y=\"" << num(py - 6) << "\" font-size=\"10\" fill=\"#333333\""
            << (right_half ? " text-anchor=\"end\"" : "") << ">" << escape_xml(truncate(labels[i], 28)) << "</text>";
        }
      }
    }
  }
  o << "</g>";

  // Axes and their labels.
  o << "<g stroke=\"#333333\" stroke-width=\"1\"><line x1=\"" << num(left) << "\" y1=\"" << num(top + ph) << "\" x2=\""
    << num(left + pw) << "\" y2=\"" << num(top + ph) << "\"/><line x1=\"" << num(left) << "\" y1=\"" << num(top)
    << "\" x2=\"" << num(left) << "\" y2=\"" << num(top + ph) << "\"/></g>";
  o << "<text x=\"" << num(left + pw / 2) << "\" y=\"" << num(H - 8) << "\" text-anchor=\"middle\">" << escape_xml(c.x_label)
    << "</text>";
  o << "<text x=\"14\" y=\"" << num(top + ph / 2) << "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " << num(top + ph / 2)
    << ")\">" << escape_xml(c.y_label) << "</text>";

  // Legend, right of the plot.
  if (legend) {
    double ly = top + 6;
    const double lx = left + pw + 12;
    o << "<g class=\"legend\">";
    for (size_t s = 0; s < c.series.size(); ++s) {
      const auto& sr = c.series[s];
      if (sr.name.empty()) continue;
      const char* color = palette_color(sr.color >= 0 ? sr.color : int(s));
      if (c.kind == Chart::Kind::Line)
        o << "<line x1=\"" << num(lx) << "\" y1=\"" << num(ly) << "\" x2=\"" << num(lx + 14) << "\" y2=\"" << num(ly)
          << "\" stroke=\"" << color << "\" stroke-width=\"2\"" << (sr.dashed ? " stroke-dasharray=\"4 2\"" : "") << "/>";
      else
        o << "<rect x=\"" << num(lx) << "\" y=\"" << num(ly - 5) << "\" width=\"12\" height=\"10\" fill=\"" << color << "\"/>";
      o << "<text x=\"" << num(lx + 18) << "\" y=\"" << num(ly + 4) << "\">" << escape_xml(truncate(sr.name, 26)) << "</text>";
      ly += 16;
      if (ly > H - 10) break;
    }
    o << "</g>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace ttq::report
