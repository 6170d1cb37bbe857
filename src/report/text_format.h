// Escaping and number formatting shared by the chart, Markdown and HTML writers.
#pragma once

#include <string>

namespace ttq::report {

// Text safe inside XML/HTML elements and attribute values (& < > " ').
std::string escape_xml(const std::string& text);
// A Markdown table cell: '|' escaped, newlines folded to spaces.
std::string escape_markdown_cell(const std::string& text);

// Fixed decimals ("93.35"); a non-finite value gives "—".
std::string fixed(double value, int decimals);
// A short label for an axis tick: no trailing zeros ("0.5", "20", "1e+06").
std::string tick_label(double value);
// Bytes as a human figure with the exact count: "75,640 B (73.9 KiB)".
std::string bytes_label(double bytes);
// Thousands separators: 1077736 -> "1,077,736".
std::string with_commas(long long value);

extern const char* const kMissing;  // "—": a field the run does not record

}  // namespace ttq::report
