// The report as one self-contained HTML page: inline CSS, inline SVG charts, no
// scripts, no external fetches. The markup is XHTML-compatible (every element
// closed, void elements self-closed) so an XML parser can check it.
#pragma once

#include <string>

#include "report/document.h"

namespace ttq::report {

std::string render_html(const Document& doc);

// Paragraph text with the two inline marks the builder uses: **bold** and `code`;
// everything else escaped.
std::string inline_html(const std::string& text);

}  // namespace ttq::report
