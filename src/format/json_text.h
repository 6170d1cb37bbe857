// Parsing JSON that came from a file we do not trust. Torch-free.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ttq::format {

// Deepest nesting any ttq file needs is 4 (graph -> nodes -> node -> attrs -> pair);
// the limit keeps a hostile file from exhausting the stack in recursive json code.
constexpr int kMaxJsonDepth = 32;

// Parses `text` as one JSON value. Throws FormatError naming `what` if it is not
// valid JSON (UTF-8 checked), nests deeper than kMaxJsonDepth, or has trailing data.
nlohmann::json parse_untrusted_json(std::string_view text, const std::string& what);

// Serializes `j` compactly. Throws FormatError naming `what` if a string in it is
// not valid UTF-8 (JSON cannot hold it).
std::string dump_json(const nlohmann::json& j, const std::string& what);

}  // namespace ttq::format
