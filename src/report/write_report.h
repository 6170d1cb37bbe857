// `ttq report` in one call: load results/, build the document, write REPORT.md
// and report.html atomically.
#pragma once

#include <string>
#include <vector>

#include "report/results.h"

namespace ttq::report {

struct ReportPaths {
  std::string results_dir = "results";
  std::string markdown = "results/REPORT.md";
  std::string html = "results/report.html";
};

struct ReportSummary {
  int runs = 0;
  int charts = 0;          // drawn (one <svg> each)
  int empty_charts = 0;    // shown as "no data"
  std::vector<Skipped> skipped;  // files not used (corrupt, not understood)
};

// Throws FileError for an unusable results directory or an unwritable output;
// corrupt files inside results/ are skipped and returned in the summary.
ReportSummary write_report(const ReportPaths& paths);

}  // namespace ttq::report
