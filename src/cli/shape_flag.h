// The CxHxW shape flags of several commands (--input 1x28x28), parsed in one place.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ttq::cli {

// "3x224x224" -> {3, 224, 224}; throws ArgumentError unless three positive integers.
std::array<int64_t, 3> parse_input_shape(const std::string& text);

}  // namespace ttq::cli
