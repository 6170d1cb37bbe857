// ttq report: results/*/metrics.json -> results/REPORT.md and results/report.html.
// A corrupt or unreadable file inside results/ is skipped with a warning (and listed
// in the report); a missing results directory or an unwritable output fails (exit 2).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "report/write_report.h"

namespace ttq::cli {

void add_report_command(CLI::App& app) {
  auto* c = app.add_subcommand("report", "write results/REPORT.md and results/report.html from results/*/metrics.json");
  auto paths = std::make_shared<report::ReportPaths>();
  c->add_option("--results", paths->results_dir, "folder of runs (<name>/metrics.json)")->capture_default_str();
  c->add_option("--markdown", paths->markdown, "Markdown report to write")->capture_default_str();
  c->add_option("--html", paths->html, "self-contained HTML report to write")->capture_default_str();
  c->callback([paths] {
    const report::ReportSummary s = report::write_report(*paths);
    for (const auto& k : s.skipped) {
      // Most reasons name the file already.
      if (k.reason.find(k.path) != std::string::npos) std::fprintf(stderr, "warning: skipped: %s\n", k.reason.c_str());
      else std::fprintf(stderr, "warning: skipped %s: %s\n", k.path.c_str(), k.reason.c_str());
    }
    std::printf("wrote %s and %s: %d runs, %d charts (%d without data), %zu files skipped\n", paths->markdown.c_str(),
                paths->html.c_str(), s.runs, s.charts, s.empty_charts, s.skipped.size());
  });
}

}  // namespace ttq::cli
