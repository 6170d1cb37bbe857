#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "common/atomic_file.h"
#include "common/error.h"
#include "report/build_report.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/methods.h"
#include "report/write_report.h"
#include "synthetic_results.h"
#include "xml_check.h"

namespace ttq::report {
namespace {
using testing::count_of;
using testing::make_results_dir;
using testing::make_temp_dir;
using testing::synthetic_run;
using testing::write_run;
using testing::write_text;
using testing::xml_problem;

const Section& section(const Document& d, const std::string& id) {
  for (const auto& s : d.sections)
    if (s.id == id) return s;
  throw std::runtime_error("no section " + id);
}

const Table& first_table(const Section& s) {
  for (const auto& b : s.blocks)
    if (b.kind == Block::Kind::Table) return b.table;
  throw std::runtime_error("no table in " + s.id);
}

std::string notes(const Section& s) {
  std::string out;
  for (const auto& b : s.blocks)
    if (b.kind == Block::Kind::Note) out += b.text + "\n";
  return out;
}

// Writes each run (name -> metrics.json) to a fresh results folder; their method_variant by name.
std::map<std::string, std::string> variants_of(const std::string& tag, const std::map<std::string, nlohmann::json>& runs) {
  const std::string dir = make_temp_dir(tag);
  for (const auto& [name, run] : runs) write_run(dir, name, run);
  std::map<std::string, std::string> out;
  for (const auto& r : load_results(dir).runs) out[r.name] = method_variant(r);
  return out;
}

// Column `col` of the row whose first cell is `label` (the first such row).
std::string cell(const Table& t, const std::string& label, size_t col) {
  for (const auto& r : t.rows)
    if (r[0] == label) return r.at(col);
  return "<no row " + label + ">";
}

TEST(Report, MethodTableHasEveryMethodRowAndNotRunWhereMissing) {
  const Document d = build_report(load_results(make_results_dir("table")));
  const Table& t = first_table(section(d, "methods-resnet20-fashion-mnist"));
  std::vector<std::string> labels;
  for (const auto& r : t.rows) labels.push_back(r[0]);
  EXPECT_EQ(labels, (std::vector<std::string>{"fp32", "TTQ", "TWN", "Binary (BWN)", "DoReFa (2-bit)", "INT8 PTQ",
                                              "INT8 QAT", "FP16", "Deep Compression"}));
  EXPECT_EQ(cell(t, "fp32", 2), "fashion-resnet20-fp32");
  EXPECT_EQ(cell(t, "TTQ", 2), "fashion-resnet20-ttq");  // the sweep runs have their own chart
  EXPECT_EQ(cell(t, "TTQ", 3), "92.96 %");
  EXPECT_EQ(cell(t, "TTQ", 4), "-0.39");
  EXPECT_EQ(cell(t, "TTQ", 5), "2.00");
  EXPECT_EQ(cell(t, "INT8 PTQ", 1), "per-channel-sym");
  EXPECT_EQ(cell(t, "INT8 PTQ", 5), "8.00");
  for (const char* missing : {"DoReFa (2-bit)", "INT8 QAT", "FP16", "Deep Compression"}) {
    EXPECT_EQ(cell(t, missing, 2), "not run") << missing;
    EXPECT_EQ(cell(t, missing, 3), "not run") << missing;
  }
  EXPECT_NE(cell(t, "TTQ", 9).find("ttq quantize"), std::string::npos);
  EXPECT_TRUE(t.is_code(9));

  // The other comparison pair has only its fp32 run.
  const Table& m = first_table(section(d, "methods-resnet18-mnist"));
  EXPECT_EQ(m.rows.size(), 9u);
  EXPECT_EQ(cell(m, "fp32", 3), "99.33 %");
  EXPECT_EQ(cell(m, "TTQ", 2), "not run");
}

// Sparsity-mode runs with siblings at other r (same epochs) are the sweep; a lone one,
// such as r = 0.5 with the full recipe, is a TTQ row of the method table.
TEST(Report, LoneSparsityModeRunIsATtqRowNotASweepPoint) {
  const std::string dir = make_temp_dir("lone-sparsity");
  write_run(dir, "fashion-resnet20-fp32", synthetic_run("resnet20", "fashion-mnist", "fp32", 0.9335, 4, 32));
  const auto sparsity_run = [](double r, int epochs, double top1) {
    auto run = synthetic_run("resnet20", "fashion-mnist", "ttq", top1, epochs, 2);
    run["config"]["quant"]["threshold_mode"] = "sparsity";
    run["config"]["quant"]["sparsity"] = r;
    return run;
  };
  write_run(dir, "fashion-resnet20-ttq-r0.1", sparsity_run(0.1, 2, 0.921));
  write_run(dir, "fashion-resnet20-ttq-r0.5", sparsity_run(0.5, 2, 0.925));
  write_run(dir, "fashion-resnet20-ttq-sparse50", sparsity_run(0.5, 6, 0.934));
  const Results results = load_results(dir);
  for (const auto& r : results.runs) EXPECT_EQ(r.sweep_point, r.name.find("-ttq-r") != std::string::npos) << r.name;

  const Document d = build_report(results);
  const Table& methods = first_table(section(d, "methods-resnet20-fashion-mnist"));
  EXPECT_EQ(cell(methods, "TTQ", 2), "fashion-resnet20-ttq-sparse50");
  EXPECT_EQ(cell(methods, "TTQ", 3), "93.40 %");
  std::vector<std::string> swept;
  for (const auto& row : first_table(section(d, "sweep")).rows) swept.push_back(row.back());
  EXPECT_EQ(swept, (std::vector<std::string>{"fashion-resnet20-ttq-r0.1", "fashion-resnet20-ttq-r0.5"}));
}

// Two TTQ rows at the same r differ in their options; the table says which.
TEST(Report, TtqVariantNamesOptionsChangedFromTheAuthors) {
  auto plain = synthetic_run("resnet20", "fashion-mnist", "ttq", 0.9288, 6, 2);
  plain["config"]["quant"]["threshold_mode"] = "sparsity";
  plain["config"]["quant"]["sparsity"] = 0.5;
  plain["config"]["quant"]["init"] = "one";
  plain["config"]["quant"]["weight_decay_on_scales"] = true;
  auto data_init = plain;
  data_init["config"]["quant"]["init"] = "data";
  data_init["config"]["quant"]["weight_decay_on_scales"] = false;
  auto paper_sign = synthetic_run("resnet20", "fashion-mnist", "ttq", 0.9200, 6, 2);
  paper_sign["config"]["quant"]["wn_grad_sign"] = "paper";
  paper_sign["config"]["quant"]["latent_grad_scale"] = 10.0;
  auto weights_init = plain;
  weights_init["config"]["quant"]["init"] = "weights";
  auto variants = variants_of("ttq-options", {{"a-ttq-sparse50", plain},
                                              {"b-ttq-sparse50-datainit", data_init},
                                              {"c-ttq-paper-sign", paper_sign},
                                              {"d-ttq-weights-init", weights_init}});
  EXPECT_EQ(variants["a-ttq-sparse50"], "r = 0.5");
  EXPECT_EQ(variants["b-ttq-sparse50-datainit"], "r = 0.5, scales from data, no decay on Wp/Wn");
  EXPECT_EQ(variants["c-ttq-paper-sign"], "t = 0.05, paper's Wn sign, latent gradients x10");
  EXPECT_EQ(variants["d-ttq-weights-init"], "r = 0.5, scales from the weights");
}

// k-means runs from before --centroid-grad summed (the paper's); the table names the mean.
TEST(Report, KMeansVariantNamesTheMeanCentroidGradient) {
  auto older = synthetic_run("resnet18", "mnist", "kmeans", 0.25, 1, 2);
  older["config"]["quant"]["weight_bits"] = 4;
  auto mean = older;
  mean["config"]["quant"]["centroid_grad"] = "mean";
  auto sum = older;
  sum["config"]["quant"]["centroid_grad"] = "sum";
  auto variants = variants_of("kmeans-variant", {{"older", older}, {"mean", mean}, {"sum", sum}});
  EXPECT_EQ(variants["older"], "k-means 4-bit");
  EXPECT_EQ(variants["sum"], "k-means 4-bit");
  EXPECT_EQ(variants["mean"], "k-means 4-bit, mean centroid gradient");
}

TEST(Report, VariantNamesBf16Autocast) {
  auto fp32 = synthetic_run("resnet18", "fashion-mnist", "fp32", 0.93, 2, 2);
  fp32["amp"] = "bf16";
  auto ttq = synthetic_run("resnet18", "fashion-mnist", "ttq", 0.92, 2, 2);
  ttq["amp"] = "bf16";
  ttq["config"]["quant"]["threshold_mode"] = "sparsity";
  ttq["config"]["quant"]["sparsity"] = 0.5;
  auto plain = ttq;
  plain["amp"] = "none";
  auto variants = variants_of("amp-variant", {{"fp32", fp32}, {"ttq", ttq}, {"plain", plain}});
  EXPECT_EQ(variants["fp32"], "bf16 autocast");
  EXPECT_EQ(variants["ttq"], "r = 0.5, bf16 autocast");
  EXPECT_EQ(variants["plain"], "r = 0.5");
}

TEST(Report, TestImagesComeFromTheLimitOrTheDataSet) {
  const std::string dir = make_temp_dir("test-images");
  auto limited = synthetic_run("resnet20", "mnist", "ttq", 0.9, 1, 2);
  limited["config"]["test_limit"] = 500;
  write_run(dir, "limited", limited);
  write_run(dir, "full", synthetic_run("resnet20", "mnist", "ttq", 0.9, 1, 2));
  write_run(dir, "folder", synthetic_run("resnet20", "imagefolder", "ttq", 0.9, 1, 2));
  std::map<std::string, double> images;
  for (const auto& r : load_results(dir).runs) images[r.name] = r.test_images();
  EXPECT_EQ(images["limited"], 500);
  EXPECT_EQ(images["full"], 10000);
  EXPECT_TRUE(std::isnan(images["folder"]));
}

TEST(Report, SaysHowFarTtqIsBelowTwnAndWhereItBeatsBinary) {
  const Document d = build_report(load_results(make_results_dir("honesty")));
  const std::string n = notes(section(d, "methods-resnet20-fashion-mnist"));
  EXPECT_NE(n.find("TTQ is below TWN** on resnet20 / fashion-mnist by 0.14 points: 92.96 % vs 93.10 %"),
            std::string::npos)
      << n;
  EXPECT_NE(n.find("TTQ is at or above binary (BWN) on resnet20 / fashion-mnist by 1.96 points"), std::string::npos) << n;
  EXPECT_NE(n.find("both 3 epochs from runs/fashion-mnist-resnet20-fp32"), std::string::npos) << n;
  // 0.14 points on 10,000 images is within noise; 1.96 points is not.
  EXPECT_NE(n.find("here it is not. The gap is within noise: one standard error of the difference on 10,000 test "
                   "images is 0.36 points."),
            std::string::npos)
      << n;
  const size_t binary = n.find("TTQ is at or above binary");
  ASSERT_NE(binary, std::string::npos) << n;
  EXPECT_EQ(n.find("within noise", binary), std::string::npos) << n;
  EXPECT_EQ(n.find("not like for like"), std::string::npos) << n;
  const std::string m = notes(section(d, "methods-resnet18-mnist"));
  EXPECT_NE(m.find("TTQ: not run on resnet18 / mnist"), std::string::npos) << m;
}

// TTQ and TWN are compared from the same starting checkpoint with the same epochs; a
// better TWN run from another start does not make the line, unless no fair pair exists.
TEST(Report, ComparesTtqWithTwnLikeForLike) {
  const std::string dir = make_temp_dir("like-for-like");
  const auto from = [](nlohmann::json run, const std::string& init) {
    run["config"]["init_checkpoint"] = init;
    return run;
  };
  write_run(dir, "a-ttq", from(synthetic_run("resnet20", "fashion-mnist", "ttq", 0.9320, 6, 2), "runs/fp32-a"));
  write_run(dir, "a-twn", from(synthetic_run("resnet20", "fashion-mnist", "twn", 0.9310, 6, 2), "runs/fp32-a"));
  write_run(dir, "b-twn", from(synthetic_run("resnet20", "fashion-mnist", "twn", 0.9339, 6, 2), "runs/fp32-b"));
  write_run(dir, "b-bwn", from(synthetic_run("resnet20", "fashion-mnist", "bwn", 0.9267, 4, 1), "runs/fp32-b"));
  const std::string n = notes(section(build_report(load_results(dir)), "methods-resnet20-fashion-mnist"));
  EXPECT_NE(n.find("TTQ is at or above TWN on resnet20 / fashion-mnist by 0.10 points: 93.20 % vs 93.10 % (TTQ t = "
                   "0.05 run a-ttq, TWN run a-twn; both 6 epochs from runs/fp32-a)"),
            std::string::npos)
      << n;
  EXPECT_EQ(n.find("b-twn"), std::string::npos) << n;
  EXPECT_NE(n.find("TTQ is at or above binary (BWN) on resnet20 / fashion-mnist by 0.53 points: 93.20 % vs 92.67 % "
                   "(not like for like: TTQ t = 0.05 run a-ttq, binary (BWN) run b-bwn; 6 vs 4 epochs, from "
                   "runs/fp32-a vs runs/fp32-b)"),
            std::string::npos)
      << n;
}

TEST(Report, PublishedTablesStandNextToOurRuns) {
  const Document d = build_report(load_results(make_results_dir("published")));
  const Table& s0 = first_table(section(d, "mnist-replication"));
  ASSERT_EQ(s0.rows.size(), 4u);
  EXPECT_EQ(s0.rows[0][0], "resnet18");
  EXPECT_EQ(s0.rows[0][1], "mnist");
  EXPECT_EQ(s0.rows[0][2], "0.27");   // our synthetic run's 269,434 params
  EXPECT_EQ(s0.rows[0][3], "5.60");   // the TensorFlow MNIST replication
  EXPECT_EQ(s0.rows[0][4], "1.03");   // 4 * 269434 / 2^20
  EXPECT_EQ(s0.rows[0][6], "not run");  // no resnet18 / mnist TTQ run
  EXPECT_EQ(s0.rows[0][11], "96.02 %");
  EXPECT_EQ(s0.rows[1][2], "not run");  // resnet34 / mnist
  EXPECT_EQ(s0.rows[2][3], "not in the replication");

  const Table& s2 = first_table(section(d, "ttq-paper-cifar10"));
  ASSERT_EQ(s2.rows.size(), 4u);
  EXPECT_EQ(s2.rows[0][1], "8.23");
  EXPECT_EQ(s2.rows[3][3], "+0.36");
  for (const auto& r : s2.rows) EXPECT_EQ(r[5], "not run (CIFAR-10 cannot be downloaded here)");
}

TEST(Report, CifarRunFillsTtqPaperRow) {
  const std::string dir = make_temp_dir("cifar");
  write_run(dir, "cifar-resnet32-ttq", synthetic_run("resnet32", "cifar10", "ttq", 0.925, 2, 2));
  const Document d = build_report(load_results(dir));
  const Table& s2 = first_table(section(d, "ttq-paper-cifar10"));
  EXPECT_EQ(s2.rows[1][5], "7.50 (cifar-resnet32-ttq)");
  EXPECT_EQ(s2.rows[0][5], "not run (CIFAR-10 cannot be downloaded here)");
}

TEST(Report, HtmlIsWellFormedWithOneSvgPerChart) {
  const std::string dir = make_results_dir("html");
  const Document d = build_report(load_results(dir));
  const std::string html = render_html(d);
  EXPECT_EQ(xml_problem(html), "");
  // curves, sparsity, Wp/Wn for the TTQ run; 3 histograms x 3 quantized runs; the sweep;
  // accuracy vs bits for both pairs; the PTQ run's SQNR.
  EXPECT_GE(d.charts_with_data(), 3 + 9 + 1 + 2 + 1);
  EXPECT_NE(html.find("SQNR per layer: fashion-resnet20-ptq"), std::string::npos);
  EXPECT_NE(html.find("Mean over 2 layers: 39.3 dB."), std::string::npos);
  EXPECT_EQ(count_of(html, "<svg"), d.charts_with_data());
  EXPECT_EQ(count_of(html, "</svg>"), d.charts_with_data());
  EXPECT_EQ(count_of(html, "<script"), 0);
  EXPECT_EQ(count_of(html, "http://"), count_of(html, "xmlns=\"http://"));  // no link out but XML namespaces
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("Top-1 vs target sparsity r"), std::string::npos);
  EXPECT_NE(html.find("gemm_u8s8_avx2"), std::string::npos);  // runtime JSON shown
  EXPECT_NE(html.find("<strong>TTQ is below TWN</strong>"), std::string::npos);
}

TEST(Report, EmptyResultsGiveChartsThatSayTheyHaveNoData) {
  const std::string dir = make_temp_dir("empty");
  const Document d = build_report(load_results(dir));
  EXPECT_EQ(d.charts_with_data(), 0);
  EXPECT_GE(d.charts_without_data(), 6);
  const std::string html = render_html(d);
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_EQ(count_of(html, "<svg"), 0);
  EXPECT_NE(html.find("no data (no TTQ run under results/ yet)"), std::string::npos);
  EXPECT_NE(render_markdown(d, "report.html").find("no data (no TTQ run with threshold_mode"), std::string::npos);
}

TEST(Report, RunNamesAndFieldsAreEscapedEverywhere) {
  const std::string dir = make_temp_dir("escape");
  auto run = synthetic_run("net<script>", "data&set", "ttq", 0.5, 1, 2);
  run["command"] = "ttq quantize --note \"<b>|x</b>\"";
  write_run(dir, "evil<i>&run", run);
  const Document d = build_report(load_results(dir));
  const std::string html = render_html(d);
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_NE(html.find("evil&lt;i&gt;&amp;run"), std::string::npos);
  const std::string md = render_markdown(d, "report.html");
  EXPECT_NE(md.find("<b>\\|x</b>"), std::string::npos);  // the pipe cannot split the Markdown cell
}

TEST(Report, MissingFieldsShowAsDash) {
  const std::string dir = make_temp_dir("sparse");
  write_text(dir + "/bare-ttq/metrics.json", R"({"model": "resnet20", "dataset": "fashion-mnist", "method": "twn"})");
  const Document d = build_report(load_results(dir));
  const Table& t = first_table(section(d, "methods-resnet20-fashion-mnist"));
  EXPECT_EQ(cell(t, "TWN", 2), "bare-ttq");
  EXPECT_EQ(cell(t, "TWN", 3), "\xE2\x80\x94");
  EXPECT_EQ(cell(t, "TWN", 6), "\xE2\x80\x94");
  EXPECT_EQ(cell(t, "TWN", 9), "\xE2\x80\x94");
  EXPECT_EQ(xml_problem(render_html(d)), "");
}

TEST(Report, CorruptMetricsAreSkippedAndReportedNotFatal) {
  const std::string dir = make_results_dir("corrupt");
  write_text(dir + "/broken-run/metrics.json", "{\"model\": \"resnet20\", \"top1\": 0.9");  // truncated
  write_text(dir + "/not-a-run/metrics.json", "[1, 2, 3]");
  write_text(dir + "/odd/list.json", "[1, 2]");
  const Results r = load_results(dir);
  EXPECT_EQ(r.runs.size(), 9u);
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_NE(r.skipped[0].path.find("broken-run/metrics.json"), std::string::npos);
  EXPECT_NE(r.skipped[0].reason.find("is not valid JSON"), std::string::npos);
  EXPECT_NE(r.skipped[1].reason.find("not a run summary"), std::string::npos);

  const std::string out = make_temp_dir("corrupt-out");
  const ReportSummary s = write_report({dir, out + "/REPORT.md", out + "/report.html"});
  EXPECT_EQ(s.runs, 9);
  EXPECT_EQ(s.skipped.size(), 3u);  // two bad run files + one JSON the report does not understand
  const std::string html = read_file(out + "/report.html");
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_NE(html.find("broken-run/metrics.json"), std::string::npos);
  EXPECT_NE(html.find("odd/list.json"), std::string::npos);
  EXPECT_NE(read_file(out + "/REPORT.md").find("broken-run/metrics.json"), std::string::npos);
}

TEST(Report, LoadRunNamesTheFileInItsError) {
  const std::string dir = make_temp_dir("loadrun");
  write_text(dir + "/x/metrics.json", "not json");
  try {
    load_run(dir + "/x/metrics.json", "x");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/x/metrics.json"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);  // one line
  }
  EXPECT_THROW(load_run(dir + "/missing/metrics.json", "missing"), FileError);
}

TEST(Report, BadResultsDirectoryIsAFileError) {
  const std::string out = make_temp_dir("badout");
  EXPECT_THROW(write_report({"/nonexistent/results-dir", out + "/R.md", out + "/r.html"}), FileError);
  EXPECT_FALSE(std::filesystem::exists(out + "/R.md"));
}

TEST(Report, MarkdownLinksTheHtmlPageAndHasTables) {
  const std::string dir = make_results_dir("md");
  const std::string out = make_temp_dir("md-out");
  write_report({dir, out + "/REPORT.md", out + "/report.html"});
  const std::string md = read_file(out + "/REPORT.md");
  EXPECT_NE(md.find("[report.html](report.html)"), std::string::npos);
  EXPECT_NE(md.find("| DoReFa (2-bit) |"), std::string::npos);
  EXPECT_NE(md.find("| TTQ | t = 0.05 | fashion-resnet20-ttq | 92.96 % |"), std::string::npos);
  EXPECT_EQ(md.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace ttq::report
