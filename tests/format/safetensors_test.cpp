#include "format/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/error.h"

namespace ttq::format::safetensors {
namespace {

// A file from a header written by hand (no padding added) and raw data bytes.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return out + header + data;
}

std::string tensor_entry(const std::string& name, const std::string& dtype, const std::string& shape, uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

void expect_format_error(const std::string& bytes, const std::string& needle) {
  try {
    parse(bytes, "case.safetensors");
    ADD_FAILURE() << "parsed, expected an error containing '" << needle << "'";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("case.safetensors"), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(Safetensors, WritesByteExactGoldenFile) {
  const float a[2] = {1.0f, -2.0f};
  const uint8_t b[3] = {1, 2, 3};
  Contents c;
  c.metadata["k"] = "v";
  // b (1-byte elements) is given first, but 4-byte tensors are laid out first.
  c.tensors.push_back({"b", DType::U8, {3}, std::string_view(reinterpret_cast<const char*>(b), 3)});
  c.tensors.push_back({"a", DType::F32, {2}, std::string_view(reinterpret_cast<const char*>(a), 8)});

  const std::string header =
      "{\"__metadata__\":{\"k\":\"v\"},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}"
      "    ";  // 132 bytes of JSON padded with spaces to 136, a multiple of 8
  ASSERT_EQ(header.size(), 136u);
  const std::string golden = std::string("\x88\0\0\0\0\0\0\0", 8) + header +
                             std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8) +  // 1.0f, -2.0f little-endian
                             std::string("\x01\x02\x03", 3);
  EXPECT_EQ(serialize(c), golden);
}

TEST(Safetensors, RoundTripsEveryDTypeWithScalarsAndEmptyTensors) {
  const DType all[] = {DType::BOOL, DType::U8, DType::I8, DType::U16, DType::I16, DType::F16, DType::BF16,
                       DType::U32,  DType::I32, DType::F32, DType::U64, DType::I64, DType::F64};
  std::vector<std::string> storage;
  storage.reserve(3 * std::size(all));
  Contents c;
  c.metadata = {{"format", "test"}, {"note", "unicode \xc3\xa9 ok"}};
  for (DType d : all) {
    const std::string base = dtype_name(d);
    const size_t size = dtype_size(d);
    storage.push_back(std::string(3 * 2 * size, '\0'));
    for (size_t i = 0; i < storage.back().size(); ++i) storage.back()[i] = static_cast<char>(i * 7 + size);
    c.tensors.push_back({base + ".matrix", d, {3, 2}, storage.back()});
    storage.push_back(std::string(size, '\x5a'));
    c.tensors.push_back({base + ".scalar", d, {}, storage.back()});
    c.tensors.push_back({base + ".empty", d, {0, 4}, {}});
  }
  const std::string bytes = serialize(c);
  const Contents back = parse(bytes, "roundtrip");
  EXPECT_EQ(back.metadata, c.metadata);
  ASSERT_EQ(back.tensors.size(), c.tensors.size());
  for (const auto& t : c.tensors) {
    const TensorRecord* r = back.find(t.name);
    ASSERT_NE(r, nullptr) << t.name;
    EXPECT_EQ(r->dtype, t.dtype) << t.name;
    EXPECT_EQ(r->shape, t.shape) << t.name;
    EXPECT_EQ(r->data, t.data) << t.name;
    // laid out by decreasing element size, so each tensor is naturally aligned
    EXPECT_EQ((r->data.data() - bytes.data() - 8) % dtype_size(r->dtype), 0u) << t.name;
  }
}

TEST(Safetensors, HeaderLengthIsAMultipleOf8) {
  for (int len = 0; len < 10; ++len) {
    Contents c;
    c.metadata["x"] = std::string(len, 'x');
    const std::string bytes = serialize(c);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    EXPECT_EQ(n % 8, 0u);
    EXPECT_EQ(bytes.size(), 8 + n);
    EXPECT_EQ(parse(bytes, "pad").metadata, c.metadata);
  }
}

TEST(Safetensors, ReadsAHandWrittenFileInAnyKeyOrder) {
  // Keys in another order, no metadata, trailing whitespace: what other writers produce.
  const std::string header = "{\"w\":{\"data_offsets\":[2,6],\"shape\":[1],\"dtype\":\"F32\"}, " + tensor_entry("h", "F16", "[1]", 0, 2) + "}  \n";
  const std::string data = std::string("\x00\x3c", 2) + std::string("\x00\x00\x40\x40", 4);
  const Contents c = parse(raw_file(header, data), "hand");
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].name, "h");  // buffer order
  float w = 0;
  std::memcpy(&w, c.find("w")->data.data(), 4);
  EXPECT_EQ(w, 3.0f);
  EXPECT_TRUE(c.metadata.empty());
}

TEST(Safetensors, RejectsTruncationAtEveryLength) {
  Contents c;
  const float v[3] = {1, 2, 3};
  c.metadata["k"] = "v";
  c.tensors.push_back({"v", DType::F32, {3}, std::string_view(reinterpret_cast<const char*>(v), 12)});
  const std::string bytes = serialize(c);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(parse(bytes.substr(0, n), "cut"), FormatError) << "length " << n;
  }
  EXPECT_THROW(parse(bytes + "x", "longer"), FormatError);
}

TEST(Safetensors, RejectsBadHeaderLengths) {
  const std::string good = raw_file("{}", "");
  std::string huge = good;
  huge[4] = 1;  // 2^32 + 2
  expect_format_error(huge, "exceeds the 100 MB limit");
  std::string past = good;
  past[0] = 3;  // one byte past the end
  expect_format_error(past, "runs past the end");
  expect_format_error(raw_file("", ""), "does not start with '{'");
  expect_format_error(std::string(8, '\xff'), "exceeds");
  expect_format_error("short", "too short");
}

TEST(Safetensors, RejectsBadJson) {
  expect_format_error(raw_file("{\"a\":", ""), "not valid JSON");
  expect_format_error(raw_file("{} x", ""), "not valid JSON");
  expect_format_error(raw_file("{\"\xff\":1}", ""), "not valid JSON");  // not UTF-8
  expect_format_error(raw_file(std::string(100, '[') + std::string(100, ']'), ""), "does not start with '{'");
  expect_format_error(raw_file("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}", ""), "nests deeper");
  expect_format_error(raw_file("{\"__metadata__\":{\"k\":1}}", ""), "not a string");
  expect_format_error(raw_file("{\"__metadata__\":[]}", ""), "__metadata__ is not a JSON object");
  expect_format_error(raw_file("{\"t\":[]}", ""), "tensor 't'");
}

TEST(Safetensors, RejectsBadTensorEntries) {
  const std::string four(4, '\0');
  expect_format_error(raw_file("{" + tensor_entry("t", "F33", "[1]", 0, 4) + "}", four), "unknown dtype 'F33'");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[2]", 0, 4) + "}", four), "need 8");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[-1]", 0, 4) + "}", four), "non-negative");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[1.5]", 0, 4) + "}", four), "non-negative");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[4294967296,4294967296]", 0, 4) + "}", four), "overflows");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[1]", 4, 0) + "}", four), "begin 4 > end 0");
  expect_format_error(raw_file("{" + tensor_entry("t", "F32", "[1]", 0, 8) + "}", four), "past the data buffer");
  expect_format_error(raw_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", four), "unknown key 'x'");
  expect_format_error(raw_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", four), "data_offsets");
  expect_format_error(raw_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", four), "data_offsets");
}

TEST(Safetensors, RejectsOverlapsGapsAndUncoveredBytes) {
  const std::string eight(8, '\0');
  expect_format_error(raw_file("{" + tensor_entry("a", "F32", "[1]", 0, 4) + "," + tensor_entry("b", "F32", "[1]", 2, 6) + "}", eight),
                      "overlaps");
  expect_format_error(raw_file("{" + tensor_entry("a", "F32", "[1]", 0, 4) + "," + tensor_entry("b", "F32", "[1]", 0, 4) + "}", eight),
                      "overlaps");
  expect_format_error(raw_file("{" + tensor_entry("a", "U8", "[2]", 0, 2) + "," + tensor_entry("b", "F32", "[1]", 4, 8) + "}", eight),
                      "gap of 2 bytes");
  expect_format_error(raw_file("{" + tensor_entry("a", "F32", "[1]", 0, 4) + "}", eight), "cover 4");
  expect_format_error(raw_file("{}", "x"), "cover 0");
}

TEST(Safetensors, SerializeRejectsInconsistentInput) {
  Contents c;
  c.tensors.push_back({"a", DType::F32, {2}, "1234"});
  EXPECT_THROW(serialize(c), FormatError);  // 4 bytes for 2 floats
  c.tensors[0].shape = {1};
  EXPECT_NO_THROW(serialize(c));
  c.tensors.push_back({"a", DType::U8, {1}, "x"});
  EXPECT_THROW(serialize(c), FormatError);  // duplicate
  c.tensors.back().name = "__metadata__";
  EXPECT_THROW(serialize(c), FormatError);  // reserved
  c.tensors.back().name = "bad\xff";
  EXPECT_THROW(serialize(c), FormatError);  // not UTF-8
}

}  // namespace
}  // namespace ttq::format::safetensors
