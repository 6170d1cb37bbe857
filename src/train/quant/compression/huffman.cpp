#include "train/quant/compression/huffman.h"

#include <algorithm>
#include <cstring>
#include <queue>
#include <string>

#include "common/error.h"

namespace ttq::train::compression {
namespace {

// Depth of every leaf of the Huffman tree of these (non-zero) counts.
std::vector<uint8_t> tree_depths(const std::vector<uint64_t>& counts, int& max_depth) {
  struct Node {
    uint64_t weight;
    int id;  // < n: leaf symbol index; else internal node
  };
  const int n = int(counts.size());
  std::vector<int> parent;
  parent.reserve(2 * counts.size());
  auto greater = [](const Node& a, const Node& b) { return a.weight != b.weight ? a.weight > b.weight : a.id > b.id; };
  std::priority_queue<Node, std::vector<Node>, decltype(greater)> heap(greater);
  for (int s = 0; s < n; ++s) {
    heap.push({counts[s], s});
    parent.push_back(-1);
  }
  while (heap.size() > 1) {
    const Node a = heap.top();
    heap.pop();
    const Node b = heap.top();
    heap.pop();
    const int id = int(parent.size());
    parent.push_back(-1);
    parent[a.id] = id;
    parent[b.id] = id;
    heap.push({a.weight + b.weight, id});
  }
  std::vector<uint8_t> depth(n, 0);
  max_depth = 0;
  for (int s = 0; s < n; ++s) {
    int d = 0;
    for (int v = s; parent[v] >= 0; v = parent[v]) ++d;
    depth[s] = uint8_t(std::min(d, 255));
    max_depth = std::max(max_depth, d);
  }
  return depth;
}

void need(size_t pos, size_t bytes, size_t size, const char* what) {
  if (bytes > size || pos > size - bytes)
    throw FormatError(std::string("Huffman stream truncated while reading ") + what,
                      "the compressed file is cut short or corrupt");
}

}  // namespace

std::vector<uint8_t> huffman_code_lengths(const std::vector<uint64_t>& counts, int max_length) {
  std::vector<int> used;
  for (size_t s = 0; s < counts.size(); ++s)
    if (counts[s] > 0) used.push_back(int(s));
  std::vector<uint8_t> lengths(counts.size(), 0);
  if (used.empty()) return lengths;
  if (used.size() == 1) {
    lengths[used[0]] = 1;  // a code needs at least one bit per symbol
    return lengths;
  }
  std::vector<uint64_t> w;
  for (int s : used) w.push_back(counts[s]);
  for (;;) {
    int max_depth = 0;
    const std::vector<uint8_t> depth = tree_depths(w, max_depth);
    if (max_depth <= max_length) {
      for (size_t i = 0; i < used.size(); ++i) lengths[used[i]] = depth[i];
      return lengths;
    }
    // Too deep (very skewed counts): flatten the distribution and rebuild.
    for (uint64_t& x : w) x = x / 2 + 1;
  }
}

std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths) {
  std::vector<int> order;
  for (size_t s = 0; s < lengths.size(); ++s)
    if (lengths[s] > 0) order.push_back(int(s));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return lengths[a] < lengths[b]; });
  std::vector<uint32_t> codes(lengths.size(), 0);
  uint32_t code = 0;
  int prev_len = order.empty() ? 0 : lengths[order[0]];
  for (size_t i = 0; i < order.size(); ++i) {
    const int len = lengths[order[i]];
    if (i > 0) code = (code + 1) << (len - prev_len);
    codes[order[i]] = code;
    prev_len = len;
  }
  return codes;
}

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v));
  out.push_back(uint8_t(v >> 8));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void put_f32(std::vector<uint8_t>& out, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  put_u32(out, bits);
}
uint16_t get_u16(const uint8_t* d, size_t size, size_t& pos) {
  need(pos, 2, size, "a 16-bit field");
  const uint16_t v = uint16_t(d[pos] | (d[pos + 1] << 8));
  pos += 2;
  return v;
}
uint32_t get_u32(const uint8_t* d, size_t size, size_t& pos) {
  need(pos, 4, size, "a 32-bit field");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(d[pos + i]) << (8 * i);
  pos += 4;
  return v;
}
float get_f32(const uint8_t* d, size_t size, size_t& pos) {
  const uint32_t bits = get_u32(d, size, pos);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

void huffman_encode(const std::vector<uint8_t>& symbols, std::vector<uint8_t>& out) {
  std::vector<uint64_t> counts(256, 0);
  for (uint8_t s : symbols) ++counts[s];
  const std::vector<uint8_t> lengths = huffman_code_lengths(counts);
  const std::vector<uint32_t> codes = canonical_codes(lengths);
  uint16_t used = 0;
  for (uint8_t l : lengths) used += l > 0;
  put_u16(out, used);
  for (int s = 0; s < 256; ++s) {
    if (!lengths[s]) continue;
    out.push_back(uint8_t(s));
    out.push_back(lengths[s]);
  }
  std::vector<uint8_t> payload;
  uint64_t acc = 0;  // pending bits, MSB-first
  int pending = 0;
  for (uint8_t s : symbols) {
    acc = (acc << lengths[s]) | codes[s];
    pending += lengths[s];
    while (pending >= 8) {
      payload.push_back(uint8_t(acc >> (pending - 8)));
      pending -= 8;
    }
    acc &= (uint64_t(1) << pending) - 1;
  }
  if (pending > 0) payload.push_back(uint8_t(acc << (8 - pending)));
  put_u32(out, uint32_t(symbols.size()));
  put_u32(out, uint32_t(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

std::vector<uint8_t> huffman_decode(const uint8_t* d, size_t size, size_t& pos) {
  const uint16_t used = get_u16(d, size, pos);
  if (used > 256) throw FormatError("Huffman table lists " + std::to_string(used) + " symbols (at most 256)");
  std::vector<uint8_t> lengths(256, 0);
  for (int i = 0; i < used; ++i) {
    need(pos, 2, size, "the code table");
    const uint8_t s = d[pos], len = d[pos + 1];
    pos += 2;
    if (len == 0 || len > kMaxHuffmanLength || lengths[s])
      throw FormatError("Huffman table has an invalid entry for symbol " + std::to_string(s));
    lengths[s] = len;
  }
  // Kraft sum must not exceed 1, or the code is not a prefix code.
  uint64_t kraft = 0;
  for (uint8_t l : lengths)
    if (l) kraft += uint64_t(1) << (kMaxHuffmanLength - l);
  if (kraft > (uint64_t(1) << kMaxHuffmanLength)) throw FormatError("Huffman code lengths do not form a prefix code");
  const uint32_t count = get_u32(d, size, pos);
  const uint32_t bytes = get_u32(d, size, pos);
  need(pos, bytes, size, "the coded symbols");
  if (count > 0 && used == 0) throw FormatError("Huffman stream has symbols but an empty code table");

  // Canonical decoding tables: per length, the first code and where its symbols start.
  std::vector<int> sorted;
  for (int s = 0; s < 256; ++s)
    if (lengths[s]) sorted.push_back(s);
  std::stable_sort(sorted.begin(), sorted.end(), [&](int a, int b) { return lengths[a] < lengths[b]; });
  std::vector<uint32_t> first_code(kMaxHuffmanLength + 2, 0), count_of(kMaxHuffmanLength + 2, 0),
      first_index(kMaxHuffmanLength + 2, 0);
  for (int s : sorted) ++count_of[lengths[s]];
  uint32_t code = 0, index = 0;
  for (int len = 1; len <= kMaxHuffmanLength; ++len) {
    code = (code + count_of[len - 1]) << 1;
    first_code[len] = code;
    first_index[len] = index;
    index += count_of[len];
  }

  std::vector<uint8_t> symbols;
  symbols.reserve(count);
  const uint8_t* payload = d + pos;
  const uint64_t total_bits = uint64_t(bytes) * 8;
  uint64_t bit = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t c = 0;
    int len = 0;
    for (;;) {
      if (bit >= total_bits) throw FormatError("Huffman payload ends in the middle of a code");
      c = (c << 1) | ((payload[bit >> 3] >> (7 - (bit & 7))) & 1u);
      ++bit;
      ++len;
      if (len > kMaxHuffmanLength) throw FormatError("Huffman payload holds a code the table does not define");
      if (count_of[len] && c - first_code[len] < count_of[len] && c >= first_code[len]) {
        symbols.push_back(uint8_t(sorted[first_index[len] + (c - first_code[len])]));
        break;
      }
    }
  }
  pos += bytes;
  return symbols;
}

}  // namespace ttq::train::compression
