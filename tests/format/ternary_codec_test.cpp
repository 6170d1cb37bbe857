#include "format/ternary_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "common/error.h"

namespace ttq::format {
namespace {

std::vector<int8_t> random_codes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> codes(n);
  for (auto& c : codes) c = static_cast<int8_t>(std::uniform_int_distribution<int>(-1, 1)(rng));
  return codes;
}

std::vector<int8_t> unpack2(const std::vector<uint8_t>& bytes, size_t n) {
  std::vector<int8_t> out(n);
  unpack_ternary2(bytes.data(), bytes.size(), n, out.data(), "test");
  return out;
}

std::vector<int8_t> unpack16(const std::vector<uint8_t>& bytes, size_t n) {
  std::vector<int8_t> out(n);
  unpack_ternary1_6(bytes.data(), bytes.size(), n, out.data(), "test");
  return out;
}

TEST(TernaryCodec, PackedByteCounts) {
  EXPECT_EQ(ternary2_packed_bytes(0), 0u);
  EXPECT_EQ(ternary2_packed_bytes(1), 1u);
  EXPECT_EQ(ternary2_packed_bytes(4), 1u);
  EXPECT_EQ(ternary2_packed_bytes(5), 2u);
  EXPECT_EQ(ternary1_6_packed_bytes(0), 0u);
  EXPECT_EQ(ternary1_6_packed_bytes(5), 1u);
  EXPECT_EQ(ternary1_6_packed_bytes(6), 2u);
  EXPECT_EQ(ternary1_6_packed_bytes(11), 3u);
}

TEST(TernaryCodec, Ternary2BitLayoutIsLowBitsFirst) {
  // weights +1, -1, 0, +1 | -1  ->  0b01'00'10'01 = 0x49, then 0b10 = 0x02
  const std::vector<int8_t> codes = {1, -1, 0, 1, -1};
  EXPECT_EQ(pack_ternary2(codes.data(), codes.size()), (std::vector<uint8_t>{0x49, 0x02}));
}

TEST(TernaryCodec, Ternary16IsBase3LowTritFirst) {
  // trits 1,2,0,1,2 -> 1 + 2*3 + 0*9 + 1*27 + 2*81 = 196; tail -1 -> trit 2
  const std::vector<int8_t> codes = {1, -1, 0, 1, -1, -1};
  EXPECT_EQ(pack_ternary1_6(codes.data(), codes.size()), (std::vector<uint8_t>{196, 2}));
  const std::vector<int8_t> all_minus(5, -1);
  EXPECT_EQ(pack_ternary1_6(all_minus.data(), 5), (std::vector<uint8_t>{242}));  // the largest valid byte
}

TEST(TernaryCodec, RoundTripsEveryLengthWithTails) {
  for (size_t n = 0; n <= 41; ++n) {
    const auto codes = random_codes(n, static_cast<uint32_t>(n));
    EXPECT_EQ(unpack2(pack_ternary2(codes.data(), n), n), codes) << "ternary2 n=" << n;
    EXPECT_EQ(unpack16(pack_ternary1_6(codes.data(), n), n), codes) << "ternary1.6 n=" << n;
  }
}

TEST(TernaryCodec, EveryTernary16ByteBelow243Decodes) {
  for (int v = 0; v < 243; ++v) {
    const std::vector<uint8_t> byte = {static_cast<uint8_t>(v)};
    const auto codes = unpack16(byte, 5);
    EXPECT_EQ(pack_ternary1_6(codes.data(), 5), byte);
  }
}

TEST(TernaryCodec, Ternary2RejectsCode0b11AtEveryPosition) {
  for (int slot = 0; slot < 4; ++slot) {
    const std::vector<uint8_t> bytes = {0x00, static_cast<uint8_t>(3 << (2 * slot))};
    std::vector<int8_t> out(8);
    EXPECT_THROW(unpack_ternary2(bytes.data(), 2, 8, out.data(), "t"), FormatError) << slot;
  }
}

TEST(TernaryCodec, Ternary16RejectsBytesAbove242) {
  for (int v = 243; v < 256; ++v) {
    const std::vector<uint8_t> bytes = {static_cast<uint8_t>(v)};
    std::vector<int8_t> out(5);
    EXPECT_THROW(unpack_ternary1_6(bytes.data(), 1, 5, out.data(), "t"), FormatError) << v;
  }
}

TEST(TernaryCodec, RejectsNonZeroPadding) {
  std::vector<int8_t> out(7);
  const std::vector<uint8_t> t2 = {0x00, 0x10};  // weight 6 (slot 2 of byte 1) is padding for n = 6
  EXPECT_THROW(unpack_ternary2(t2.data(), 2, 6, out.data(), "t"), FormatError);
  EXPECT_NO_THROW(unpack_ternary2(t2.data(), 2, 7, out.data(), "t"));
  const std::vector<uint8_t> t16 = {0, 9};  // trit 2 of byte 1 set; n = 7 holds only trits 0, 1 there
  EXPECT_THROW(unpack_ternary1_6(t16.data(), 2, 7, out.data(), "t"), FormatError);
  const std::vector<uint8_t> t16_ok = {0, 8};  // 8 = 2 + 2*3: both trits used, no padding set
  EXPECT_NO_THROW(unpack_ternary1_6(t16_ok.data(), 2, 7, out.data(), "t"));
}

TEST(TernaryCodec, RejectsWrongByteCounts) {
  const std::vector<uint8_t> bytes(3, 0);
  std::vector<int8_t> out(16);
  EXPECT_THROW(unpack_ternary2(bytes.data(), 3, 13, out.data(), "t"), FormatError);  // needs 4
  EXPECT_THROW(unpack_ternary2(bytes.data(), 3, 8, out.data(), "t"), FormatError);   // needs 2
  EXPECT_THROW(unpack_ternary1_6(bytes.data(), 3, 16, out.data(), "t"), FormatError);  // needs 4
  EXPECT_NO_THROW(unpack_ternary1_6(bytes.data(), 3, 15, out.data(), "t"));
}

TEST(TernaryCodec, ErrorNamesWhatAndWeight) {
  const std::vector<uint8_t> bytes = {0x0C};
  std::vector<int8_t> out(4);
  try {
    unpack_ternary2(bytes.data(), 1, 4, out.data(), "tensor 'fc.weight'");
    FAIL() << "no throw";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'fc.weight'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("weight 1"), std::string::npos) << e.what();
  }
}

TEST(TernaryCodec, PackRejectsNonTernaryCodes) {
  const std::vector<int8_t> codes = {0, 1, 2};
  EXPECT_THROW(pack_ternary2(codes.data(), codes.size()), ArgumentError);
  EXPECT_THROW(pack_ternary1_6(codes.data(), codes.size()), ArgumentError);
}

}  // namespace
}  // namespace ttq::format
