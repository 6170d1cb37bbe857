#include "format/json_text.h"

#include "common/error.h"

namespace ttq::format {

namespace {

// Deepest nesting of `text`, counting brackets outside strings. Exact for valid
// JSON; for invalid JSON the parser reports the error anyway. Cheaper than a
// parser callback, which is why the check is done this way.
int max_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json parse_untrusted_json(std::string_view text, const std::string& what) {
  if (max_depth(text) > kMaxJsonDepth) {
    throw FormatError(what + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                      "the file is corrupt or was not written by ttq");
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(what + " is not valid JSON: " + e.what(), "the file is corrupt or truncated");
  }
}

std::string dump_json(const nlohmann::json& j, const std::string& what) {
  try {
    return j.dump();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("cannot serialize " + what + ": " + e.what(), "names and metadata must be valid UTF-8");
  }
}

}  // namespace ttq::format
