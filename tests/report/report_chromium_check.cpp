// Renders a report of synthetic results in headless Chromium: the page must load,
// and the DOM Chromium builds must hold one <svg> per chart and the method table.
// Exit 0: rendered; 1: failed; 77: Chromium is not installed (ctest shows SKIPPED).
// TTQ_CHROMIUM=/path/to/chromium picks the browser.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "report/write_report.h"
#include "synthetic_results.h"
#include "xml_check.h"

namespace {

std::string find_chromium() {
  if (const char* env = std::getenv("TTQ_CHROMIUM")) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t end = dirs.find(':', start);
      const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return "";
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

int main() {
  using namespace ttq::report;
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    std::printf("SKIP: chromium is not installed (apt-get install chromium, or set TTQ_CHROMIUM)\n");
    return 77;
  }
  const std::string results = testing::make_results_dir("chromium");
  const std::string out = testing::make_temp_dir("chromium-out");
  const ReportSummary summary = write_report({results, out + "/REPORT.md", out + "/report.html"});
  const std::string flags = " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" + out +
                            "/profile --virtual-time-budget=2000 ";
  const std::string url = "file://" + out + "/report.html";
  const int rc = run("timeout 120 '" + chromium + "'" + flags + "--dump-dom '" + url + "' > '" + out +
                     "/dom.html' 2> '" + out + "/chromium.log'");
  if (rc != 0) {
    std::printf("FAIL: chromium exited %d (log: %s/chromium.log)\n", rc, out.c_str());
    return 1;
  }
  const std::string dom = ttq::read_file(out + "/dom.html");
  const int svgs = testing::count_of(dom, "<svg");
  std::printf("chromium DOM: %zu bytes, %d <svg> (expected %d)\n", dom.size(), svgs, summary.charts);
  bool ok = svgs == summary.charts && summary.charts > 0;
  ok = ok && dom.find("DoReFa (2-bit)") != std::string::npos && dom.find("Top-1 vs target sparsity r") != std::string::npos;
  ok = ok && dom.find("<polyline") != std::string::npos && dom.find("</html>") != std::string::npos;
  // A screenshot shows the page painted: a PNG of some size.
  const int shot = run("cd '" + out + "' && timeout 120 '" + chromium + "'" + flags +
                       "--window-size=1200,1600 --hide-scrollbars --screenshot='" + out + "/shot.png' '" + url +
                       "' >> '" + out + "/chromium.log' 2>&1");
  std::error_code ec;
  const auto png = std::filesystem::file_size(out + "/shot.png", ec);
  std::printf("screenshot: exit %d, %s/shot.png %llu bytes\n", shot, out.c_str(), ec ? 0ULL : (unsigned long long)png);
  ok = ok && shot == 0 && !ec && png > 10000;
  std::printf(ok ? "OK: the report renders in Chromium\n" : "FAIL: see %s (run with TTQ_REPORT_KEEP=1 to keep it)\n", out.c_str());
  return ok ? 0 : 1;
}
