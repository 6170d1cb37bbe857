#include "xml_check.h"

#include <cctype>
#include <vector>

namespace ttq::report::testing {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_'; }

std::string at(size_t pos) { return " at byte " + std::to_string(pos); }

}  // namespace

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      size_t j = i + 1;
      if (j < s.size() && s[j] == '#') ++j;
      const size_t start = j;
      while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
      if (j == start || j >= s.size() || s[j] != ';') return "bare '&'" + at(i);
      i = j + 1;
      continue;
    }
    if (s[i] == '>') return "stray '>' in text" + at(i);
    if (s[i] != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t end = s.find("-->", i);
      if (end == std::string::npos) return "unclosed comment" + at(i);
      i = end + 3;
      continue;
    }
    if (s.compare(i, 2, "<!") == 0) {  // <!DOCTYPE html>
      const size_t end = s.find('>', i);
      if (end == std::string::npos) return "unclosed declaration" + at(i);
      i = end + 1;
      continue;
    }
    const bool closing = i + 1 < s.size() && s[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < s.size() && name_char(s[j])) ++j;
    const std::string name = s.substr(name_start, j - name_start);
    if (name.empty()) return "stray '<'" + at(i);
    if (closing) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size() || s[j] != '>') return "bad closing tag </" + name + at(i);
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">") + at(i);
      open.pop_back();
      i = j + 1;
      continue;
    }
    // Attributes: name="value" or name='value'.
    bool self_closed = false;
    for (;;) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag <" + name + at(i);
      if (s[j] == '>') break;
      if (s.compare(j, 2, "/>") == 0) {
        self_closed = true;
        ++j;
        break;
      }
      const size_t a = j;
      while (j < s.size() && name_char(s[j])) ++j;
      if (j == a) return "bad attribute in <" + name + ">" + at(j);
      if (j >= s.size() || s[j] != '=') return "attribute without value in <" + name + ">" + at(j);
      ++j;
      if (j >= s.size() || (s[j] != '"' && s[j] != '\'')) return "unquoted attribute in <" + name + ">" + at(j);
      const char q = s[j];
      const size_t end = s.find(q, j + 1);
      if (end == std::string::npos) return "unterminated attribute in <" + name + ">" + at(j);
      const std::string value = s.substr(j + 1, end - j - 1);
      if (value.find('<') != std::string::npos) return "'<' in an attribute of <" + name + ">" + at(j);
      j = end + 1;
    }
    i = j + 1;
    if (self_closed) continue;
    if (name == "style" || name == "script") {  // raw text up to the end tag
      const size_t end = s.find("</" + name + ">", i);
      if (end == std::string::npos) return "unclosed <" + name + ">" + at(i);
      i = end + name.size() + 3;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + "> at the end";
  return "";
}

}  // namespace ttq::report::testing
