// The torch.save reader and writer, on files PyTorch itself wrote
// (tests/format/data/make_torch_fixtures.py; each .json holds what torch.load reads).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "format/pickle_reader.h"
#include "format/state_dict_file.h"
#include "format/zip_archive.h"

namespace {

using namespace ttq::format;
using safetensors::DType;

std::string fixture(const std::string& name) { return std::string(TTQ_FORMAT_TEST_DATA) + "/" + name; }

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(float(mant), -24);
  } else if (exp == 31) {
    f = mant ? NAN : INFINITY;
  } else {
    f = std::ldexp(float(mant | 0x400), int(exp) - 25);
  }
  return sign ? -f : f;
}

// Element i of t as a double.
double element(const NamedTensor& t, size_t i) {
  const char* p = t.data.data() + i * safetensors::dtype_size(t.dtype);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  switch (t.dtype) {
    case DType::F32: return load(float{});
    case DType::F64: return load(double{});
    case DType::F16: return half_to_float(load(uint16_t{}));
    case DType::BF16: {
      const uint32_t bits = uint32_t(load(uint16_t{})) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case DType::I64: return double(load(int64_t{}));
    case DType::I32: return load(int32_t{});
    case DType::I16: return load(int16_t{});
    case DType::I8: return load(int8_t{});
    case DType::U8: return load(uint8_t{});
    case DType::BOOL: return load(uint8_t{});
    default: ADD_FAILURE() << "dtype " << safetensors::dtype_name(t.dtype); return 0;
  }
}

// Every tensor as torch.load read it, in order, with exactly its values.
void expect_matches_torch(const StateDict& sd, const std::string& json_name) {
  std::ifstream in(fixture(json_name));
  const auto expected = nlohmann::json::parse(in);
  ASSERT_EQ(sd.size(), expected.size());
  for (const auto& t : sd) {
    SCOPED_TRACE(t.name);
    ASSERT_TRUE(expected.contains(t.name));
    const auto& e = expected[t.name];
    EXPECT_EQ(safetensors::dtype_name(t.dtype), e["dtype"].get<std::string>());
    EXPECT_EQ(t.shape, e["shape"].get<std::vector<int64_t>>());
    const auto values = e["values"].get<std::vector<double>>();
    ASSERT_EQ(t.data.size(), values.size() * safetensors::dtype_size(t.dtype));
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(element(t, i), values[i]) << "element " << i;
  }
}

std::vector<std::string> names(const StateDict& sd) {
  std::vector<std::string> n;
  for (const auto& t : sd) n.push_back(t.name);
  return n;
}

TEST(TorchStateDict, ReadsWhatTorchSaveWrites) {
  for (const char* name : {"state_dict", "state_dict_protocol4", "state_dict_deflated", "views", "parameters"}) {
    SCOPED_TRACE(name);
    expect_matches_torch(load_state_dict(fixture(std::string(name) + ".pth")), std::string(name) + ".json");
  }
}

TEST(TorchStateDict, KeepsTheFileOrder) {
  const auto sd = load_state_dict(fixture("state_dict.pth"));
  const std::vector<std::string> expected = {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                             "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"};
  EXPECT_EQ(names(sd), expected);
}

TEST(TorchStateDict, FindsTheStateDictInsideACheckpoint) {
  // {"epoch", "best_top1", "state_dict", "optimizer", "args"}: the optimizer's state and the
  // plain values around it are read and skipped.
  expect_matches_torch(load_state_dict(fixture("checkpoint.pth")), "checkpoint.json");
}

TEST(TorchStateDict, RefusesAPickledModuleWithAHint) {
  try {
    load_state_dict(fixture("whole_module.pth"));
    FAIL() << "no error";
  } catch (const ttq::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("torch.nn.modules.container.Sequential"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("state_dict()"), std::string::npos);
  }
}

TEST(TorchStateDict, RefusesTheLegacyFormat) {
  try {
    load_state_dict(fixture("legacy.pth"));
    FAIL() << "no error";
  } catch (const ttq::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("legacy"), std::string::npos) << e.what();
  }
}

TEST(TorchStateDict, RoundTripsThroughBothWriters) {
  const auto sd = load_state_dict(fixture("views.pth"));
  for (const auto format : {StateDictFormat::torch_save, StateDictFormat::safetensors}) {
    const std::string bytes =
        format == StateDictFormat::torch_save ? serialize_torch_state_dict(sd) : serialize_safetensors_state_dict(sd);
    const auto back = format == StateDictFormat::torch_save ? parse_torch_state_dict(bytes, "mem")
                                                            : parse_safetensors_state_dict(bytes, "mem");
    ASSERT_EQ(back.size(), sd.size());
    // torch.save keeps the order; safetensors lays tensors out by element size.
    if (format == StateDictFormat::torch_save) {
      EXPECT_EQ(names(back), names(sd));
    }
    for (const auto& t : sd) {
      const auto it = std::find_if(back.begin(), back.end(), [&](const NamedTensor& b) { return b.name == t.name; });
      ASSERT_NE(it, back.end()) << t.name;
      EXPECT_EQ(it->dtype, t.dtype) << t.name;
      EXPECT_EQ(it->shape, t.shape) << t.name;
      EXPECT_EQ(it->data, t.data) << t.name;
    }
  }
}

TEST(TorchStateDict, WritesAlignedStoredEntriesWithTorchsLayout) {
  const auto bytes = serialize_torch_state_dict(load_state_dict(fixture("state_dict.pth")), "model");
  const zip::Reader z(bytes, "mem");
  ASSERT_GE(z.entries().size(), 3u);
  EXPECT_EQ(z.entries()[0].name, "model/data.pkl");  // torch.load takes the folder from the first entry
  ASSERT_NE(z.find("model/version"), nullptr);
  for (const auto& e : z.entries()) {
    EXPECT_EQ(e.method, 0) << e.name;
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  }
}

TEST(TorchStateDict, ReadsTensorsNamedLikeTheKeysOfACheckpoint) {
  // "model" and "state_dict" name the state dict inside a checkpoint, but only when they hold one.
  for (const char* name : {"model", "state_dict"}) {
    SCOPED_TRACE(name);
    const StateDict sd = {{name, DType::F32, {1}, std::string(4, '\0')}, {"b", DType::I64, {}, std::string(8, '\1')}};
    EXPECT_EQ(names(parse_torch_state_dict(serialize_torch_state_dict(sd), "mem")), names(sd));
  }
}

TEST(TorchStateDict, RefusesUnsignedDtypesPyTorchCannotStore) {
  StateDict sd = {{"x", DType::U32, {1}, std::string(4, '\0')}};
  EXPECT_THROW(serialize_torch_state_dict(sd), ttq::FormatError);
}

TEST(TorchStateDict, NamesTheFormatByExtension) {
  EXPECT_EQ(state_dict_format_for("a/b.pth"), StateDictFormat::torch_save);
  EXPECT_EQ(state_dict_format_for("b.pt"), StateDictFormat::torch_save);
  EXPECT_EQ(state_dict_format_for("b.safetensors"), StateDictFormat::safetensors);
  EXPECT_THROW(state_dict_format_for("b.onnx"), ttq::ArgumentError);
}

TEST(TorchStateDict, EveryTruncationIsAFormatError) {
  const std::string bytes = ttq::read_file(fixture("state_dict.pth"));
  for (size_t n = 0; n < bytes.size(); n += 7) {
    EXPECT_THROW(parse_torch_state_dict(std::string_view(bytes).substr(0, n), "cut"), ttq::FormatError) << n;
  }
}

TEST(TorchStateDict, ACorruptStorageFailsItsChecksum) {
  std::string bytes = ttq::read_file(fixture("state_dict.pth"));
  const zip::Reader z(bytes, "x");
  const zip::Entry* e = z.find("state_dict/data/0");
  ASSERT_NE(e, nullptr);
  bytes[e->data_offset] ^= 1;
  try {
    parse_torch_state_dict(bytes, "x");
    FAIL() << "no error";
  } catch (const ttq::FormatError& err) {
    EXPECT_NE(std::string(err.what()).find("CRC"), std::string::npos) << err.what();
  }
}

// ---- the pickle machine on hand-written pickles ----
// A pickle from opcodes and their arguments, written byte by byte (no escapes to misread).
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += char(c);
  return s;
}

TEST(PickleReader, BuildsPlainValues) {
  // {'a': [1, -2, 70000, 2**40], 'b': (True, None, 0.5), 'c': b'xy'}, protocol 2
  const std::string p = bytes({0x80, 2, '}', 'q', 0, '(',                                   //
                               'X', 1, 0, 0, 0, 'a', ']', 'q', 1, '(',                       //
                               'K', 1, 'J', 0xfe, 0xff, 0xff, 0xff, 'J', 0x70, 0x11, 1, 0,  //
                               0x8a, 6, 0, 0, 0, 0, 0, 1, 'e',                               //
                               'X', 1, 0, 0, 0, 'b', 0x88, 'N', 'G', 0x3f, 0xe0, 0, 0, 0, 0, 0, 0, 0x87,
                               'X', 1, 0, 0, 0, 'c', 'C', 2, 'x', 'y', 'u', '.'});
  const auto u = pickle::unpickle(p, "p");
  const auto& d = u.root();
  ASSERT_EQ(d.kind, pickle::Kind::dict);
  ASSERT_EQ(d.items.size(), 6u);
  const auto& list = *d.items[1];
  ASSERT_EQ(list.items.size(), 4u);
  EXPECT_EQ(list.items[0]->integer, 1);
  EXPECT_EQ(list.items[1]->integer, -2);
  EXPECT_EQ(list.items[2]->integer, 70000);
  EXPECT_EQ(list.items[3]->integer, int64_t(1) << 40);
  const auto& tuple = *d.items[3];
  ASSERT_EQ(tuple.kind, pickle::Kind::tuple);
  EXPECT_TRUE(tuple.items[0]->boolean);
  EXPECT_EQ(tuple.items[1]->kind, pickle::Kind::none);
  EXPECT_EQ(tuple.items[2]->real, 0.5);
  EXPECT_EQ(d.items[5]->kind, pickle::Kind::bytes);
  EXPECT_EQ(d.items[5]->text, "xy");
}

TEST(PickleReader, RefusesMalformedPickles) {
  const std::vector<std::string> bad = {
      "",                          // empty
      "\x80\x02",                  // no STOP
      "\x80\x09N.",                // protocol 9
      "\x80\x02.",                 // STOP on an empty stack
      "\x80\x02NN.",               // two values left
      "\x80\x02N.N",               // data after STOP
      bytes({0x80, 2, 'h', 5, '.'}),  // memo miss
      "\x80\x02Na.",               // APPEND to None
      "\x80\x02(N.",               // MARK left open
      "\x80\x02K\x01)R.",          // call of an int
      "\x80\x02I1\n.",             // text-mode INT (protocol 0): unsupported
      bytes({0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', 'b', '.'}),  // string longer than the pickle
      bytes({0x80, 2, 0x8a, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, '.'}),     // integer wider than 64 bits
  };
  for (const auto& p : bad) EXPECT_THROW(pickle::unpickle(p, "p"), ttq::FormatError) << ::testing::PrintToString(p);
}

TEST(PickleReader, KeepsCallsOpaque) {
  // os.system('x'): read as a Call node, never run.
  const std::string p = bytes({0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', 'X', 1, 0, 0, 0, 'x', 0x85, 'R', '.'});
  const auto u = pickle::unpickle(p, "p");
  ASSERT_EQ(u.root().kind, pickle::Kind::call);
  EXPECT_EQ(u.root().items[0]->text, "os.system");
}

// torch.tensor([1.5]).expand(n) as torch.save writes it: one stored element, n in the view.
std::string expanded_view_file(int64_t n) {
  std::string p = bytes({0x80, 2, '}', '('});
  const auto text = [&p](const std::string& s) {
    p += 'X';
    for (int i = 0; i < 4; ++i) p += char((s.size() >> (8 * i)) & 0xff);
    p += s;
  };
  text("x");
  p += "ctorch._utils\n_rebuild_tensor_v2\n((";
  text("storage");
  p += "ctorch\nFloatStorage\n";
  text("0");
  text("cpu");
  p += bytes({'K', 1, 't', 'Q', 'K', 0, '(', 0x8a, 8});  // numel 1, offset 0, size (n,)
  for (int i = 0; i < 8; ++i) p += char((uint64_t(n) >> (8 * i)) & 0xff);
  p += bytes({'t', '(', 'K', 0, 't', 0x89, 't', 'R', 'u', '.'});  // stride (0,), requires_grad False
  zip::Writer z;
  z.add("archive/data.pkl", p);
  z.add("archive/data/0", bytes({0, 0, 0xc0, 0x3f}));  // 1.5f
  return z.finish();
}

TEST(TorchStateDict, ReadsExpandedViewsButNotAbsurdOnes) {
  const auto sd = parse_torch_state_dict(expanded_view_file(3), "mem");
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0].shape, std::vector<int64_t>{3});
  EXPECT_EQ(element(sd[0], 2), 1.5);
  // Copied out contiguously, 2**40 repeats of one float would take 4 TiB.
  EXPECT_THROW(parse_torch_state_dict(expanded_view_file(int64_t(1) << 40), "mem"), ttq::FormatError);
}

}  // namespace
