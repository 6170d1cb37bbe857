// The method table per (model, dataset), the honesty lines, and accuracy vs bits per weight.
#include <algorithm>
#include <cmath>
#include <map>

#include "report/methods.h"
#include "report/sections.h"
#include "report/text_format.h"

namespace ttq::report {
namespace {

const char* const kNotRun = "not run";

std::string ratio_label(double fp32, double packed) {
  if (!(fp32 > 0) || !(packed > 0)) return kMissing;
  return fixed(fp32 / packed, fp32 / packed < 10 ? 2 : 1) + "\xC3\x97";  // ×
}

std::string epochs_label(const Run& r) {
  const double e = r.epochs();
  return std::isnan(e) ? kMissing : fixed(e, 0);
}

// The runs a category's rows show: sweep runs only when nothing else exists (they have their own chart).
std::vector<const Run*> rows_of(const std::vector<const Run*>& runs, const std::string& category) {
  std::vector<const Run*> main, sweep;
  for (const Run* r : runs)
    if (method_category(r->method()) == category) (is_sweep_run(*r) ? sweep : main).push_back(r);
  return main.empty() ? sweep : main;
}

// Runs that can be compared fairly: the same starting checkpoint and the same epochs.
bool like_for_like(const Run& a, const Run& b) {
  return !a.init_checkpoint().empty() && a.init_checkpoint() == b.init_checkpoint() && a.epochs() == b.epochs();
}

// " The gap is within noise: ..." when it is under two standard errors of the difference of
// two accuracies on the test images (binomial, the runs taken as independent), else "".
std::string within_noise(const Run& a, const Run& b, double diff_points) {
  const double n = std::min(a.test_images(), b.test_images());
  if (std::isnan(n)) return "";
  const auto var = [n](double p) { return p * (1 - p) / n; };
  const double se = 100 * std::sqrt(var(a.top1()) + var(b.top1()));
  if (std::fabs(diff_points) >= 2 * se) return "";
  return " The gap is within noise: one standard error of the difference on " + with_commas(std::llround(n)) +
         " test images is " + fixed(se, 2) + " points.";
}

// "**TTQ is below TWN** on M / D by 0.14 points: 92.96 % vs 93.10 % (...)": the paper's claim, checked.
std::string compare_line(const Run& ttq, const Run& other, const std::string& label, const ModelDataset& pair) {
  const double diff = 100 * (ttq.top1() - other.top1());
  const std::string variant = method_variant(ttq);
  const std::string runs = "TTQ" + (variant.empty() ? "" : " " + variant) + " run " + ttq.name + ", " + label +
                           " run " + other.name;
  const std::string how =
      like_for_like(ttq, other)
          ? " (" + runs + "; both " + epochs_label(ttq) + " epochs from " + ttq.init_checkpoint() + ")"
          : " (not like for like: " + runs + "; " + epochs_label(ttq) + " vs " + epochs_label(other) +
                " epochs, from " + (ttq.init_checkpoint().empty() ? kMissing : ttq.init_checkpoint()) + " vs " +
                (other.init_checkpoint().empty() ? kMissing : other.init_checkpoint()) + ")";
  const std::string where = " on " + pair.first + " / " + pair.second + " by " + fixed(std::fabs(diff), 2) +
                            " points: " + percent(ttq.top1()) + " vs " + percent(other.top1()) + how;
  const std::string noise = within_noise(ttq, other, diff);
  if (diff < 0)
    return "**TTQ is below " + label + "**" + where + ". The paper reports TTQ above " + label + "; here it is not." +
           noise;
  return "TTQ is at or above " + label + where + "." + noise;
}

// TTQ against TWN and binary weights: one line per like-for-like pair of runs (same start,
// same epochs); with no such pair, the best run of each, marked as not like for like.
std::string honesty_line(const std::vector<const Run*>& runs, const ModelDataset& pair) {
  std::vector<const Run*> ttqs;
  for (const Run* r : rows_of(runs, "ttq"))
    if (!std::isnan(r->top1())) ttqs.push_back(r);
  const Run* best_ttq = best_run(runs, "ttq");
  std::string out;
  const auto add = [&out](const std::string& line) { out += (out.empty() ? "" : " ") + line; };
  for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{{"twn", "TWN"}, {"binary", "binary (BWN)"}}) {
    const Run* best_other = best_run(runs, key);
    if (ttqs.empty()) {
      add("TTQ: not run on " + pair.first + " / " + pair.second + ", so no comparison with " + label + ".");
      continue;
    }
    if (!best_other || std::isnan(best_other->top1())) {
      add(label + ": not run on " + pair.first + " / " + pair.second + ", so TTQ (" +
          percent(best_ttq->top1()) + ") is not compared with it yet.");
      continue;
    }
    bool paired = false;
    for (const Run* t : ttqs)
      for (const Run* o : rows_of(runs, key))
        if (!std::isnan(o->top1()) && like_for_like(*t, *o)) {
          add(compare_line(*t, *o, label, pair));
          paired = true;
        }
    if (!paired) add(compare_line(*best_ttq, *best_other, label, pair));
  }
  return out;
}

Chart accuracy_vs_bits(const std::vector<const Run*>& runs, const ModelDataset& pair) {
  Chart c;
  c.kind = Chart::Kind::Scatter;
  c.title = "Top-1 vs bits per weight: " + pair.first + " / " + pair.second;
  c.x_label = "bits per quantized weight (log2 axis)";
  c.y_label = "test top-1 (%)";
  c.log2_x = true;
  c.x_include = {1, 32};
  c.no_data_message = "no run of " + pair.first + " / " + pair.second + " records both top-1 and bits per weight";
  // One series per method category, so the legend names the methods.
  std::map<std::string, size_t> index;
  int color = 0;
  for (const auto& cat : method_categories()) index[cat.key] = size_t(color++);
  c.series.resize(method_categories().size() + 1);
  for (const auto& cat : method_categories()) c.series[index[cat.key]].name = cat.label;
  c.series.back().name = "other";
  for (const Run* r : runs) {
    const double bits = r->bits_per_weight(), top1 = r->top1();
    if (std::isnan(bits) || std::isnan(top1)) continue;
    const std::string cat = method_category(r->method());
    Series& s = c.series[cat == "other" ? c.series.size() - 1 : index[cat]];
    s.x.push_back(bits);
    s.y.push_back(100 * top1);
    const std::string variant = method_variant(*r);
    s.point_labels.push_back(variant.empty() ? r->method() : variant);
  }
  for (size_t i = 0; i < c.series.size(); ++i) c.series[i].color = int(i);
  c.series.erase(std::remove_if(c.series.begin(), c.series.end(), [](const Series& s) { return s.x.empty(); }),
                 c.series.end());
  c.caption = "Each point is one run; sweep runs are labelled with their target sparsity r.";
  return c;
}

}  // namespace

std::vector<Section> method_sections(const Results& results) {
  std::vector<Section> out;
  for (const auto& pair : model_dataset_pairs(results)) {
    const auto runs = runs_of(results, pair);
    Section s{"methods-" + pair.first + "-" + pair.second, "Methods on " + pair.first + " / " + pair.second, {}};
    const Run* fp32 = best_run(runs, "fp32");
    Table t;
    t.header = {"Method", "Variant", "Run", "Top-1", "vs fp32 (points)", "Bits/weight", "Packed bytes", "fp32 / packed",
                "Epochs", "Command"};
    t.code_column = {false, false, false, false, false, false, false, false, false, true};
    auto add_row = [&](const std::string& label, const Run* r) {
      if (!r) {
        t.rows.push_back({label, kMissing, kNotRun, kNotRun, kMissing, kMissing, kMissing, kMissing, kMissing, kMissing});
        return;
      }
      const double diff = fp32 ? 100 * (r->top1() - fp32->top1()) : std::nan("");
      std::string variant = method_variant(*r);
      t.rows.push_back({label, variant.empty() ? kMissing : variant, r->name, percent(r->top1()),
                        std::isnan(diff) ? kMissing : (diff >= 0 ? "+" : "") + fixed(diff, 2),
                        std::isnan(r->bits_per_weight()) ? kMissing : fixed(r->bits_per_weight(), 2),
                        bytes_label(r->packed_bytes()), ratio_label(r->fp32_bytes(), r->packed_bytes()),
                        epochs_label(*r), r->command().empty() ? kMissing : r->command()});
    };
    for (const auto& cat : method_categories()) {
      const auto rows = rows_of(runs, cat.key);
      if (rows.empty()) add_row(cat.label, nullptr);
      for (const Run* r : rows) add_row(cat.label, r);
    }
    for (const Run* r : rows_of(runs, "other")) add_row("other: " + r->method(), r);
    s.paragraph("Top-1 on the test set at the end of each run. Packed bytes: the quantized weights in their packed "
                "form plus every fp32 number the model keeps (scales, BatchNorm, biases, first and last layer); "
                "\"fp32 / packed\" is the compression against the fp32 model's bytes. \"not run\": no results/*/"
                "metrics.json of that method on this model and data set yet.");
    s.table(std::move(t));
    s.note(honesty_line(runs, pair));
    s.chart(accuracy_vs_bits(runs, pair));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ttq::report
