// The report as GitHub-flavoured Markdown: tables and notes; charts are named
// with a link into the HTML page (Markdown cannot hold them inline).
#pragma once

#include <string>

#include "report/document.h"

namespace ttq::report {

// html_link: how the Markdown refers to the HTML page (e.g. "report.html").
std::string render_markdown(const Document& doc, const std::string& html_link);

}  // namespace ttq::report
