#include "report/write_report.h"

#include <filesystem>

#include "common/atomic_file.h"
#include "report/build_report.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"

namespace ttq::report {

ReportSummary write_report(const ReportPaths& paths) {
  const Results results = load_results(paths.results_dir);
  const Document doc = build_report(results);
  // The Markdown links the page relative to itself when both sit in one folder.
  namespace fs = std::filesystem;
  const fs::path md_dir = fs::path(paths.markdown).parent_path(), html = fs::path(paths.html);
  const std::string link = fs::absolute(md_dir).lexically_normal() == fs::absolute(html.parent_path()).lexically_normal()
                               ? html.filename().string()
                               : fs::absolute(html).lexically_relative(fs::absolute(md_dir)).generic_string();
  const std::string md = render_markdown(doc, link);
  const std::string page = render_html(doc);
  write_file_atomically(paths.markdown, [&](std::ostream& os) { os << md; });
  write_file_atomically(paths.html, [&](std::ostream& os) { os << page; });

  ReportSummary summary;
  summary.runs = int(results.runs.size());
  summary.charts = doc.charts_with_data();
  summary.empty_charts = doc.charts_without_data();
  summary.skipped = results.skipped;
  for (const auto& e : results.extras) {
    bool objects = !e.records.empty();
    for (const auto& r : e.records) objects = objects && r.is_object();
    if (!objects) summary.skipped.push_back({e.name, "not understood"});
  }
  return summary;
}

}  // namespace ttq::report
