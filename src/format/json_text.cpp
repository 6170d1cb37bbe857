#include "format/json_text.h"

#include "common/error.h"

namespace ttq::format {

nlohmann::json parse_untrusted_json(std::string_view text, const std::string& what) {
  const auto limit_depth = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth) {
      throw FormatError(what + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                        "the file is corrupt or was not written by ttq");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(what + " is not valid JSON: " + e.what(), "the file is corrupt or truncated");
  }
}

namespace {
template <class Json>
std::string dump_or_throw(const Json& j, const std::string& what) {
  try {
    return j.dump();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError("cannot serialize " + what + ": " + e.what(), "names and metadata must be valid UTF-8");
  }
}
}  // namespace

std::string dump_json(const nlohmann::json& j, const std::string& what) { return dump_or_throw(j, what); }
std::string dump_json(const nlohmann::ordered_json& j, const std::string& what) { return dump_or_throw(j, what); }

}  // namespace ttq::format
