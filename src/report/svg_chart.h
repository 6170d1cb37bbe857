// A small SVG chart writer of our own: line chart, scatter, grouped bars and
// histogram, with axes, ticks, labels and a legend. All text is escaped; the
// output is a self-contained <svg> element (XML well formed, no external refs).
#pragma once

#include <string>
#include <vector>

namespace ttq::report {

struct Series {
  std::string name;                       // legend entry ("" : none)
  std::vector<double> x, y;               // Bars: y only, one value per category
  std::vector<std::string> point_labels;  // Scatter: text beside each point (optional)
  bool dashed = false;                    // Line: dashed stroke
  int color = -1;                         // palette index; -1: the series' position
  double bar_width = 0;                   // Histogram: bar width in x units (0: a thin spike)
};

struct Chart {
  enum class Kind { Line, Scatter, Bars, Histogram };
  Kind kind = Kind::Line;
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<std::string> categories;  // Bars: the label under each group of bars
  bool log2_x = false;                  // x on a log2 axis (bits per weight)
  bool integer_x = false;               // x ticks at whole numbers only (epochs)
  bool y_from_zero = false;             // include 0 in the y range
  std::vector<double> x_include;        // x values the axis always spans (e.g. 1 and 32 bits)
  std::string caption;                  // a sentence under the chart
  std::string no_data_message;          // shown instead of the chart when it has no data
  int width = 560, height = 320;

  bool has_data() const;
};

// The chart as one <svg> element. A chart without data still gives a valid
// <svg> that says so, but the writers show its no_data_message instead.
std::string render_svg(const Chart& chart);

// The colour of palette index i (cycles).
const char* palette_color(int i);

}  // namespace ttq::report
