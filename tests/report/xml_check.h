// A tiny well-formedness checker for the report's XHTML-compatible HTML and SVG:
// every tag closed in order, attributes quoted, '&' only in entities, no stray '<'.
// Returns "" when well formed, else what is wrong and where.
#pragma once

#include <string>

namespace ttq::report::testing {

std::string xml_problem(const std::string& text);

// How many times `needle` occurs in `text`.
int count_of(const std::string& text, const std::string& needle);

}  // namespace ttq::report::testing
