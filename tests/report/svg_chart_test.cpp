#include <gtest/gtest.h>

#include <cmath>

#include "report/svg_chart.h"
#include "xml_check.h"

namespace ttq::report {
namespace {
using testing::count_of;
using testing::xml_problem;

Chart two_lines() {
  Chart c;
  c.kind = Chart::Kind::Line;
  c.title = "curves";
  c.x_label = "epoch";
  c.y_label = "top-1";
  Series a{"fp32", {1, 2, 3}, {90, 92, 93}, {}, false, -1, 0};
  Series b{"ttq", {4, 5}, {91, 92.5}, {}, true, -1, 0};
  c.series = {a, b};
  return c;
}

TEST(SvgChart, LineChartDrawsOnePolylinePerSeriesWithLegendAndIsWellFormed) {
  const std::string svg = render_svg(two_lines());
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "<svg"), 1);
  EXPECT_EQ(count_of(svg, "<polyline"), 2);
  EXPECT_EQ(count_of(svg, "stroke-dasharray=\"6 4\""), 1);  // the dashed series only
  EXPECT_EQ(count_of(svg, "<circle"), 5);
  EXPECT_NE(svg.find(">fp32</text>"), std::string::npos);
  EXPECT_NE(svg.find(">ttq</text>"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
}

TEST(SvgChart, EveryTextIsEscaped) {
  Chart c = two_lines();
  c.title = "a<b & \"c\" 'd'";
  c.series[0].name = "<script>alert(1)</script>";
  c.x_label = "x & y";
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot; &#39;d&#39;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("x &amp; y"), std::string::npos);
}

TEST(SvgChart, ScatterOnLog2AxisHasPowerOfTwoTicksAndPointLabels) {
  Chart c;
  c.kind = Chart::Kind::Scatter;
  c.title = "acc vs bits";
  c.log2_x = true;
  c.series = {Series{"methods", {1, 2, 8, 32}, {91, 93, 93.3, 93.35}, {"bwn", "ttq", "int8", "fp32"}, false, -1, 0}};
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  for (const char* tick : {">1</text>", ">2</text>", ">4</text>", ">8</text>", ">16</text>", ">32</text>"})
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  EXPECT_NE(svg.find(">int8</text>"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<circle"), 4);
}

TEST(SvgChart, BarsDrawOneRectPerFiniteValueAndRotateLongCategories) {
  Chart c;
  c.kind = Chart::Kind::Bars;
  c.title = "sparsity";
  c.categories = {"layer1.0.conv1", "layer1.0.conv2", "layer2.0.conv1"};
  c.series = {Series{"", {}, {20, 35, std::nan("")}, {}, false, -1, 0}};
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "<rect"), 2 + 1);  // two bars + the background
  EXPECT_NE(svg.find("rotate(-45"), std::string::npos);
  EXPECT_TRUE(c.has_data());
}

TEST(SvgChart, HistogramBinsAndSpikes) {
  Chart c;
  c.kind = Chart::Kind::Histogram;
  c.title = "weights";
  c.y_from_zero = true;
  Series bins{"latent", {-0.2, 0, 0.2}, {0.2, 0.6, 0.2}, {}, false, -1, 0.2};
  Series spikes{"effective", {-0.9, 0, 1.1}, {0.3, 0.4, 0.3}, {}, false, -1, 0};
  c.series = {bins, spikes};
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "fill-opacity=\"0.55\""), 3);
  EXPECT_EQ(count_of(svg, "fill-opacity=\"0.9\""), 3);
}

TEST(SvgChart, ChartWithoutDataSaysSo) {
  Chart c;
  c.title = "nothing";
  c.no_data_message = "no TTQ run yet";
  EXPECT_FALSE(c.has_data());
  c.series = {Series{"empty", {1}, {std::nan("")}, {}, false, -1, 0}};
  EXPECT_FALSE(c.has_data());
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("no TTQ run yet"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
}

TEST(SvgChart, ConstantSeriesGetsAUsableRange) {
  Chart c;
  c.title = "flat";
  c.series = {Series{"flat", {1, 2}, {5, 5}, {}, false, -1, 0}};
  const std::string svg = render_svg(c);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(XmlCheck, CatchesTheMistakesItIsThereFor) {
  EXPECT_EQ(xml_problem("<a><b/></a>"), "");
  EXPECT_NE(xml_problem("<a><b></a>"), "");
  EXPECT_NE(xml_problem("<a>x & y</a>"), "");
  EXPECT_NE(xml_problem("<a>x < y</a>"), "");
  EXPECT_NE(xml_problem("<a x=1></a>"), "");
  EXPECT_NE(xml_problem("<a>"), "");
}

}  // namespace
}  // namespace ttq::report
