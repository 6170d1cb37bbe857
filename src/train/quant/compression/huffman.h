// Canonical Huffman coding of small-alphabet symbol streams (Deep Compression's
// last stage). Torch-free: the coder only sees symbols 0..255 and their counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ttq::train::compression {

constexpr int kMaxHuffmanLength = 24;  // longer codes are avoided by flattening the counts

// Code length in bits of each symbol (0 for a symbol that never occurs) of an optimal
// prefix code for these counts, at most max_length bits. One used symbol gets length 1.
std::vector<uint8_t> huffman_code_lengths(const std::vector<uint64_t>& counts, int max_length = kMaxHuffmanLength);

// The canonical code of these lengths: symbols sorted by (length, symbol) take
// consecutive codes, so the lengths alone describe the code. Codes are MSB-first.
std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths);

// A self-describing coded stream of symbols < 256, appended to out:
//   u16 used-symbol count m, m x (u8 symbol, u8 code length),
//   u32 symbol count, u32 payload bytes, payload (codes MSB-first, zero-padded).
// All integers little-endian.
void huffman_encode(const std::vector<uint8_t>& symbols, std::vector<uint8_t>& out);

// Reads one stream written by huffman_encode from data[pos..size), advances pos.
// Throws FormatError on a truncated or inconsistent stream.
std::vector<uint8_t> huffman_decode(const uint8_t* data, size_t size, size_t& pos);

// Little-endian helpers shared with the layer codec.
void put_u16(std::vector<uint8_t>& out, uint16_t v);
void put_u32(std::vector<uint8_t>& out, uint32_t v);
void put_f32(std::vector<uint8_t>& out, float v);
uint16_t get_u16(const uint8_t* data, size_t size, size_t& pos);
uint32_t get_u32(const uint8_t* data, size_t size, size_t& pos);
float get_f32(const uint8_t* data, size_t size, size_t& pos);

}  // namespace ttq::train::compression
