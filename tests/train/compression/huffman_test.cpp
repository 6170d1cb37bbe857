// Canonical Huffman coding: code lengths on a known distribution, round trips, bad input.
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "train/quant/compression/huffman.h"

using namespace ttq::train::compression;

TEST(Huffman, CodeLengthsOfADyadicDistribution) {
  // Counts 8, 4, 2, 1, 1: the optimal code has lengths 1, 2, 3, 4, 4 (entropy-exact).
  const std::vector<uint8_t> lengths = huffman_code_lengths({8, 4, 2, 1, 1, 0});
  EXPECT_EQ(lengths, (std::vector<uint8_t>{1, 2, 3, 4, 4, 0}));
}

TEST(Huffman, CanonicalCodesAreOrderedByLengthThenSymbol) {
  const std::vector<uint32_t> codes = canonical_codes({2, 1, 3, 3});
  EXPECT_EQ(codes[1], 0b0u);
  EXPECT_EQ(codes[0], 0b10u);
  EXPECT_EQ(codes[2], 0b110u);
  EXPECT_EQ(codes[3], 0b111u);
}

TEST(Huffman, OneSymbolTakesOneBit) {
  EXPECT_EQ(huffman_code_lengths({0, 5, 0}), (std::vector<uint8_t>{0, 1, 0}));
  std::vector<uint8_t> out;
  huffman_encode(std::vector<uint8_t>(16, 7), out);
  // table: 2 + 2, counts: 4 + 4, payload: 16 bits
  EXPECT_EQ(out.size(), 4u + 8u + 2u);
  size_t pos = 0;
  EXPECT_EQ(huffman_decode(out.data(), out.size(), pos), std::vector<uint8_t>(16, 7));
  EXPECT_EQ(pos, out.size());
}

TEST(Huffman, RoundTripsAndBeatsFixedLengthOnASkewedStream) {
  std::mt19937 rng(3);
  std::geometric_distribution<int> geo(0.4);
  std::vector<uint8_t> symbols(5000);
  for (auto& s : symbols) s = uint8_t(std::min(geo(rng), 255));
  std::vector<uint8_t> out;
  huffman_encode(symbols, out);
  size_t pos = 0;
  EXPECT_EQ(huffman_decode(out.data(), out.size(), pos), symbols);
  EXPECT_EQ(pos, out.size());
  // Entropy of geometric(0.4) is about 2.4 bits; a fixed code over its ~15 symbols needs 4.
  EXPECT_LT(out.size() * 8, symbols.size() * 3);
}

TEST(Huffman, EmptyStreamRoundTrips) {
  std::vector<uint8_t> out;
  huffman_encode({}, out);
  size_t pos = 0;
  EXPECT_TRUE(huffman_decode(out.data(), out.size(), pos).empty());
}

TEST(Huffman, VerySkewedCountsStayWithinTheLengthLimit) {
  // Fibonacci counts would need a code as long as the alphabet.
  std::vector<uint64_t> counts(40);
  counts[0] = counts[1] = 1;
  for (size_t i = 2; i < counts.size(); ++i) counts[i] = counts[i - 1] + counts[i - 2];
  const auto lengths = huffman_code_lengths(counts);
  uint64_t kraft = 0;
  for (uint8_t l : lengths) {
    ASSERT_GE(l, 1);
    ASSERT_LE(l, kMaxHuffmanLength);
    kraft += uint64_t(1) << (kMaxHuffmanLength - l);
  }
  EXPECT_LE(kraft, uint64_t(1) << kMaxHuffmanLength);
}

TEST(Huffman, TruncatedStreamIsAFormatError) {
  std::vector<uint8_t> out;
  huffman_encode({1, 2, 3, 1, 1, 2}, out);
  for (size_t cut = 0; cut < out.size(); ++cut) {
    size_t pos = 0;
    EXPECT_THROW(huffman_decode(out.data(), cut, pos), ttq::FormatError) << "cut at " << cut;
  }
}
