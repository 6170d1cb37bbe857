#include "report/text_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ttq::report {

const char* const kMissing = "\xE2\x80\x94";  // U+2014 EM DASH

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string escape_markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return kMissing;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string tick_label(double value) {
  if (std::fabs(value) < 1e-12) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

std::string with_commas(long long value) {
  std::string digits = std::to_string(std::llabs(value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string bytes_label(double bytes) {
  if (!std::isfinite(bytes) || bytes < 0) return kMissing;
  const char* unit = "KiB";
  double scaled = bytes / 1024.0;
  if (scaled >= 1024.0) {
    scaled /= 1024.0;
    unit = "MiB";
  }
  return with_commas(static_cast<long long>(std::llround(bytes))) + " B (" + fixed(scaled, scaled < 10 ? 2 : 1) +
         " " + unit + ")";
}

}  // namespace ttq::report
