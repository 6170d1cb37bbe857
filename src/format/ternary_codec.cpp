#include "format/ternary_codec.h"

#include <array>

#include "common/error.h"

namespace ttq::format {
namespace {

const char* kHint = "the file is corrupt";

// code -> 2-bit field / trit; the caller has checked code is in {-1, 0, +1}.
uint8_t field_of(int8_t code) { return code == 0 ? 0 : (code == 1 ? 1 : 2); }
constexpr int8_t kCodeOfField[3] = {0, 1, -1};

void check_codes(const int8_t* codes, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (codes[i] < -1 || codes[i] > 1) {
      throw ArgumentError("ternary code " + std::to_string(codes[i]) + " at index " + std::to_string(i) + " is not -1, 0 or +1");
    }
  }
}

void check_size(size_t nbytes, size_t expected, size_t count, const char* encoding, const std::string& what) {
  if (nbytes != expected) {
    throw FormatError(what + ": " + std::to_string(nbytes) + " bytes of " + encoding + " data, but " + std::to_string(count) +
                      " weights need " + std::to_string(expected), kHint);
  }
}

// 3^0 .. 3^5: a last byte holding k trits must be below 3^k.
constexpr std::array<int, 6> kPow3 = {1, 3, 9, 27, 81, 243};

}  // namespace

size_t ternary2_packed_bytes(size_t count) { return count / 4 + (count % 4 != 0); }
size_t ternary1_6_packed_bytes(size_t count) { return count / 5 + (count % 5 != 0); }

std::vector<uint8_t> pack_ternary2(const int8_t* codes, size_t count) {
  check_codes(codes, count);
  std::vector<uint8_t> out(ternary2_packed_bytes(count), 0);
  for (size_t i = 0; i < count; ++i) out[i / 4] |= static_cast<uint8_t>(field_of(codes[i]) << (2 * (i % 4)));
  return out;
}

std::vector<uint8_t> pack_ternary1_6(const int8_t* codes, size_t count) {
  check_codes(codes, count);
  std::vector<uint8_t> out(ternary1_6_packed_bytes(count), 0);
  for (size_t b = 0; b < out.size(); ++b) {
    int value = 0;
    for (size_t j = 0; j < 5 && 5 * b + j < count; ++j) value += field_of(codes[5 * b + j]) * kPow3[j];
    out[b] = static_cast<uint8_t>(value);
  }
  return out;
}

void unpack_ternary2(const uint8_t* bytes, size_t nbytes, size_t count, int8_t* out, const std::string& what) {
  check_size(nbytes, ternary2_packed_bytes(count), count, "ternary2", what);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t field = (bytes[i / 4] >> (2 * (i % 4))) & 3;
    if (field == 3) throw FormatError(what + ": invalid ternary2 code 0b11 at weight " + std::to_string(i), kHint);
    out[i] = kCodeOfField[field];
  }
  if (count % 4 != 0 && (bytes[nbytes - 1] >> (2 * (count % 4))) != 0) {
    throw FormatError(what + ": ternary2 padding bits of the last byte are not zero", kHint);
  }
}

void unpack_ternary1_6(const uint8_t* bytes, size_t nbytes, size_t count, int8_t* out, const std::string& what) {
  check_size(nbytes, ternary1_6_packed_bytes(count), count, "ternary1.6", what);
  for (size_t b = 0; b < nbytes; ++b) {
    const size_t here = count - 5 * b < 5 ? count - 5 * b : 5;
    int value = bytes[b];
    if (value >= kPow3[here]) {
      throw FormatError(what + ": invalid ternary1.6 byte " + std::to_string(value) + " at offset " + std::to_string(b) +
                        (here < 5 ? " (padding trits of the last byte must be zero)" : " (values above 242 are invalid)"), kHint);
    }
    for (size_t j = 0; j < here; ++j) {
      out[5 * b + j] = kCodeOfField[value % 3];
      value /= 3;
    }
  }
}

}  // namespace ttq::format
