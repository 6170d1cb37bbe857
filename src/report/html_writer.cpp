#include "report/html_writer.h"

#include <sstream>

#include "report/text_format.h"

namespace ttq::report {
namespace {

const char* const kStyle = R"css(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px;
       padding: 16px 24px; color: #222; background: #fafafa; line-height: 1.45; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p { margin: 6px 0 10px; }
nav ul { columns: 2; margin: 4px 0 8px; padding-left: 20px; font-size: 14px; }
.table-wrap { overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 13px; background: #fff; }
th, td { border: 1px solid #d6d6d6; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td { white-space: nowrap; }
td.num, th.num { text-align: right; }
td:not(.num) { white-space: normal; max-width: 240px; overflow-wrap: anywhere; }
td.code { white-space: normal; }
td code { font-size: 11px; display: inline-block; min-width: 300px; max-width: 460px; word-break: break-all; }
td.notrun { color: #999; }
p.note { background: #fff6e0; border-left: 4px solid #e0a800; padding: 6px 10px; }
p.nodata { color: #777; font-style: italic; background: #f0f0f0; padding: 6px 10px; }
figure { display: inline-block; margin: 6px 12px 12px 0; background: #fff; border: 1px solid #ddd; padding: 4px;
         vertical-align: top; }
figcaption { font-size: 12px; color: #555; max-width: 560px; }
code { background: #f0f0f0; padding: 0 2px; }
)css";

void write_table(std::ostringstream& o, const Table& t) {
  o << "<div class=\"table-wrap\"><table><thead><tr>";
  for (size_t i = 0; i < t.header.size(); ++i) o << (t.is_numeric(i) ? "<th class=\"num\">" : "<th>") << escape_xml(t.header[i]) << "</th>";
  o << "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (size_t i = 0; i < t.header.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      std::string classes = cell.rfind("not run", 0) == 0 ? "notrun" : "";
      if (t.is_numeric(i)) classes += classes.empty() ? "num" : " num";
      if (t.is_code(i)) classes += classes.empty() ? "code" : " code";
      o << (classes.empty() ? "<td>" : "<td class=\"" + classes + "\">");
      if (t.is_code(i) && cell != kMissing) o << "<code>" << escape_xml(cell) << "</code>";
      else o << escape_xml(cell);
      o << "</td>";
    }
    o << "</tr>";
  }
  o << "</tbody></table></div>\n";
}

}  // namespace

std::string inline_html(const std::string& text) {
  std::string out;
  bool bold = false, code = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && text.compare(i, 2, "**") == 0) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else {
      out += escape_xml(std::string(1, text[i]));
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</strong>";
  return out;
}

std::string render_html(const Document& doc) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>" << escape_xml(doc.title)
    << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  o << "<h1>" << escape_xml(doc.title) << "</h1>\n";
  for (const auto& p : doc.intro) o << "<p>" << inline_html(p) << "</p>\n";
  o << "<nav><ul>";
  for (const auto& s : doc.sections) o << "<li><a href=\"#" << escape_xml(s.id) << "\">" << escape_xml(s.title) << "</a></li>";
  o << "</ul></nav>\n";
  for (const auto& s : doc.sections) {
    o << "<section id=\"" << escape_xml(s.id) << "\">\n<h2>" << escape_xml(s.title) << "</h2>\n";
    for (const auto& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::Paragraph: o << "<p>" << inline_html(b.text) << "</p>\n"; break;
        case Block::Kind::Note: o << "<p class=\"note\">" << inline_html(b.text) << "</p>\n"; break;
        case Block::Kind::Table: write_table(o, b.table); break;
        case Block::Kind::Chart:
          if (b.chart.has_data()) {
            o << "<figure>" << render_svg(b.chart);
            if (!b.chart.caption.empty()) o << "<figcaption>" << escape_xml(b.chart.caption) << "</figcaption>";
            o << "</figure>\n";
          } else {
            o << "<p class=\"nodata\">" << escape_xml(b.chart.title) << ": no data (" << escape_xml(b.chart.no_data_message)
              << ").</p>\n";
          }
          break;
      }
    }
    o << "</section>\n";
  }
  o << "</body>\n</html>\n";
  return o.str();
}

}  // namespace ttq::report
