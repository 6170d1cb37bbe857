#include "format/model_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/error.h"
#include "format/safetensors.h"
#include "sample_models.h"

namespace ttq::format {
namespace {

namespace st = safetensors;
using nlohmann::json;
namespace fs = std::filesystem;

// A fixed model exercising every encoding with tails: conv.weight ternary2 (54
// weights: 54 % 4 = 2), fc.weight ternary1.6 (21 weights: 21 % 5 = 1), conv2 fp32.
ModelFile fixed_model() {
  GraphBuilder b({2, 4, 4});
  auto x = b.conv2d("conv", b.input(), 2, 3, 3, 1, 1);
  x = b.relu(b.batchnorm("bn", x, 3));
  x = b.conv2d("conv2", x, 3, 3, 1, 1, 0);
  x = b.linear("fc", b.flatten(b.global_avgpool(x)), 3, 7);
  ModelFile m;
  m.architecture = "tiny";
  m.graph = b.finish(x);
  m.num_classes = 7;
  const auto codes = [](int64_t n) {
    std::vector<int8_t> c(n);
    for (int64_t i = 0; i < n; ++i) c[i] = static_cast<int8_t>(i % 3 - 1);
    return c;
  };
  const auto values = [](int64_t n, float base) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = base + 0.25f * static_cast<float>(i);
    return v;
  };
  m.tensors["conv.weight"] = {{3, 2, 3, 3}, Encoding::ternary2, {}, codes(54), 0.75f, 0.5f};
  m.tensors["bn.scale"] = {{3}, Encoding::fp32, values(3, 1.f), {}};
  m.tensors["bn.bias"] = {{3}, Encoding::fp32, values(3, -1.f), {}};
  m.tensors["conv2.weight"] = {{3, 3, 1, 1}, Encoding::fp32, values(9, -2.f), {}};
  m.tensors["conv2.scale"] = {{3}, Encoding::fp32, values(3, 0.5f), {}};
  m.tensors["fc.weight"] = {{7, 3}, Encoding::ternary1_6, {}, codes(21), 1.25f, 0.125f};
  m.tensors["fc.bias"] = {{7}, Encoding::fp32, values(7, 0.f), {}};
  m.calibration = {{"input", 2.75f}, {m.graph.nodes[2].output, 6.5f}};
  m.calibration_mean = {{"input", {0.1234f, -0.5f}}, {m.graph.nodes[2].output, {0.25f, 1.f / 3.f, 2.f}}};
  m.input_mean = {0.5f, 0.25f};
  m.input_std = {0.125f, 0.2f};
  m.info = {{"dataset", "none"}, {"method", "ttq"}};
  return m;
}

void expect_same(const ModelFile& a, const ModelFile& b) {
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.graph.to_json(), b.graph.to_json());
  EXPECT_EQ(a.calibration, b.calibration);
  EXPECT_EQ(a.calibration_mean, b.calibration_mean);
  EXPECT_EQ(a.input_mean, b.input_mean);
  EXPECT_EQ(a.input_std, b.input_std);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.info, b.info);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    const Tensor& u = b.tensors.at(name);
    EXPECT_EQ(t.shape, u.shape) << name;
    EXPECT_EQ(t.encoding, u.encoding) << name;
    EXPECT_EQ(t.values, u.values) << name;
    EXPECT_EQ(t.codes, u.codes) << name;
    EXPECT_EQ(t.wp, u.wp) << name;
    EXPECT_EQ(t.wn, u.wn) << name;
  }
}

// A model file as editable parts, to forge corrupt files byte by byte.
struct EditableFile {
  struct Part {
    std::string name;
    st::DType dtype;
    std::vector<int64_t> shape;
    std::string data;
  };
  std::map<std::string, std::string> metadata;
  std::vector<Part> parts;

  explicit EditableFile(const std::string& bytes) {
    const st::Contents c = st::parse(bytes, "edit");
    metadata = c.metadata;
    for (const auto& r : c.tensors) parts.push_back({r.name, r.dtype, r.shape, std::string(r.data)});
  }
  Part& part(const std::string& name) {
    for (auto& p : parts) {
      if (p.name == name) return p;
    }
    throw std::logic_error("no part " + name);
  }
  void drop(const std::string& name) {
    parts.erase(std::remove_if(parts.begin(), parts.end(), [&](const Part& p) { return p.name == name; }), parts.end());
  }
  json meta_json(const std::string& key) const { return json::parse(metadata.at(key)); }
  void set_meta_json(const std::string& key, const json& j) { metadata[key] = j.dump(); }
  std::string bytes() const {
    st::Contents c;
    c.metadata = metadata;
    for (const auto& p : parts) c.tensors.push_back({p.name, p.dtype, p.shape, p.data});
    return st::serialize(c);
  }
};

void expect_parse_error(const std::function<void(EditableFile&)>& edit, const std::string& needle) {
  EditableFile f(serialize_model_file(fixed_model()));
  edit(f);
  try {
    parse_model_file(f.bytes(), "model.ttq");
    ADD_FAILURE() << "parsed, expected an error containing '" << needle << "'";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("model.ttq: ", 0), 0u) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

void expect_save_error(const std::function<void(ModelFile&)>& edit, const std::string& needle) {
  ModelFile m = fixed_model();
  edit(m);
  try {
    serialize_model_file(m);
    ADD_FAILURE() << "saved, expected an error containing '" << needle << "'";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelFile, FixedModelRoundTripsEveryEncodingWithTails) {
  const ModelFile m = fixed_model();
  const std::string bytes = serialize_model_file(m);
  const ModelFile back = parse_model_file(bytes, "fixed");
  expect_same(m, back);
  EXPECT_EQ(serialize_model_file(back), bytes);  // one model, one file
}

TEST(ModelFile, CalibrationMeansAreOptionalAndShortInTheHeader) {
  ModelFile m = fixed_model();
  const std::string text = st::parse(serialize_model_file(m), "means").metadata.at("calibration_mean");
  EXPECT_NE(text.find("[0.1234,-0.5]"), std::string::npos) << text;  // a float's shortest decimal, not its double's
  m.calibration_mean.clear();  // a file from before the key: no key, and it loads
  const std::string bytes = serialize_model_file(m);
  EXPECT_EQ(st::parse(bytes, "no means").metadata.count("calibration_mean"), 0u);
  EXPECT_TRUE(parse_model_file(bytes, "no means").calibration_mean.empty());
}

TEST(ModelFile, TernaryLayerInputsAreTheInputsOfTernaryWeights) {
  const ModelFile m = fixed_model();  // conv (ternary2) reads the input, fc (ternary1.6) the flatten
  const auto node = [&](const std::string& name) {
    for (const auto& n : m.graph.nodes)
      if (n.name == name) return n;
    throw std::runtime_error("no node " + name);
  };
  EXPECT_EQ(ternary_layer_inputs(m), (std::vector<std::string>{"input", node("fc").inputs[0]}));
}

TEST(ModelFile, RandomModelsRoundTrip) {
  for (uint32_t seed = 0; seed < 50; ++seed) {
    const ModelFile m = testing::random_model(seed);
    const std::string bytes = serialize_model_file(m);
    expect_same(m, parse_model_file(bytes, "random"));
  }
}

TEST(ModelFile, IsAPlainSafetensorsFile) {
  const std::string bytes = serialize_model_file(fixed_model());
  const st::Contents c = st::parse(bytes, "plain");
  EXPECT_EQ(c.metadata.at("format"), "ttq");
  EXPECT_EQ(c.metadata.at("format_version"), "1");
  EXPECT_EQ(c.metadata.at("architecture"), "tiny");
  EXPECT_EQ(c.metadata.at("num_classes"), "7");
  EXPECT_EQ(json::parse(c.metadata.at("encodings"))["fc.weight"], json({{"encoding", "ternary1.6"}, {"shape", {7, 3}}}));
  const st::TensorRecord* codes = c.find("conv.weight");
  ASSERT_NE(codes, nullptr);
  EXPECT_EQ(codes->dtype, st::DType::U8);
  EXPECT_EQ(codes->shape, (std::vector<int64_t>{14}));  // ceil(54 / 4)
  EXPECT_EQ(static_cast<uint8_t>(codes->data[0]), 0x92);  // codes -1, 0, +1, -1 -> 0b10'01'00'10
  EXPECT_EQ(c.find("fc.weight")->shape, (std::vector<int64_t>{5}));  // ceil(21 / 5)
  float wp = 0;
  std::memcpy(&wp, c.find("fc.weight.wp")->data.data(), 4);
  EXPECT_EQ(wp, 1.25f);
  EXPECT_EQ(c.find("conv2.weight")->dtype, st::DType::F32);
  EXPECT_EQ(c.find("conv2.weight")->shape, (std::vector<int64_t>{3, 3, 1, 1}));
  EXPECT_EQ(c.tensors.size(), 11u);  // 7 tensors + wp, wn of the 2 ternary ones
}

TEST(ModelFile, SizesAsStored) {
  const ModelFile m = fixed_model();
  EXPECT_EQ(m.tensors.at("conv.weight").stored_bytes(), 14u + 8u);
  EXPECT_EQ(m.tensors.at("fc.weight").stored_bytes(), 5u + 8u);
  EXPECT_EQ(m.tensors.at("conv2.weight").stored_bytes(), 36u);
  EXPECT_EQ(m.tensors.at("fc.weight").bits_per_weight(), 1.6);
  EXPECT_EQ(m.tensors.at("conv.weight").numel(), 54);
}

TEST(ModelFile, RejectsTruncationAtEveryLength) {
  const std::string bytes = serialize_model_file(fixed_model());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(parse_model_file(bytes.substr(0, n), "cut"), FormatError) << "length " << n;
  }
}

TEST(ModelFile, RejectsMissingOrExtraTensors) {
  expect_parse_error([](EditableFile& f) {
    f.drop("bn.scale");
    json e = f.meta_json("encodings");
    e.erase("bn.scale");
    f.set_meta_json("encodings", e);
  }, "graph node 'bn' needs tensor 'bn.scale', which is missing");
  expect_parse_error([](EditableFile& f) { f.drop("fc.bias"); }, "tensor 'fc.bias' is listed in 'encodings' but missing");
  expect_parse_error([](EditableFile& f) { f.drop("fc.weight.wn"); }, "tensor 'fc.weight.wn' is listed");
  expect_parse_error([](EditableFile& f) { f.parts.push_back({"extra", st::DType::U8, {1}, "x"}); }, "tensor 'extra' is in the file but not listed");
  expect_parse_error([](EditableFile& f) {
    f.parts.push_back({"extra.weight", st::DType::F32, {1}, std::string(4, '\0')});
    json e = f.meta_json("encodings");
    e["extra.weight"] = {{"encoding", "fp32"}, {"shape", {1}}};
    f.set_meta_json("encodings", e);
  }, "tensor 'extra.weight' is not used by any graph node");
}

TEST(ModelFile, RejectsShapeAndDTypeMismatches) {
  expect_parse_error([](EditableFile& f) {
    f.part("fc.bias").shape = {6};
    f.part("fc.bias").data.resize(24);
    json e = f.meta_json("encodings");
    e["fc.bias"]["shape"] = {6};
    f.set_meta_json("encodings", e);
  }, "tensor 'fc.bias' has shape [6] but graph node 'fc' needs [7]");
  expect_parse_error([](EditableFile& f) {
    json e = f.meta_json("encodings");
    e["fc.bias"]["shape"] = {8};
    f.set_meta_json("encodings", e);
  }, "tensor 'fc.bias' is stored with shape [7], expected [8]");
  expect_parse_error([](EditableFile& f) {
    f.part("conv.weight").shape = {13};
    f.part("conv.weight").data.resize(13);
  }, "tensor 'conv.weight' is stored with shape [13], expected [14]");
  expect_parse_error([](EditableFile& f) { f.part("conv2.weight").dtype = st::DType::I32; }, "tensor 'conv2.weight' is stored as I32, expected F32");
  expect_parse_error([](EditableFile& f) { f.part("conv.weight").dtype = st::DType::I8; }, "tensor 'conv.weight' is stored as I8, expected U8");
  expect_parse_error([](EditableFile& f) {
    json e = f.meta_json("encodings");
    e["conv.weight"]["encoding"] = "ternary3";
    f.set_meta_json("encodings", e);
  }, "unknown tensor encoding 'ternary3'");
  expect_parse_error([](EditableFile& f) {
    json e = f.meta_json("encodings");
    e["conv.weight"]["shape"] = {4294967296, 4294967296, 4294967296};
    f.set_meta_json("encodings", e);
  }, "tensor 'conv.weight'");
}

TEST(ModelFile, RejectsInvalidCodesAndScales) {
  expect_parse_error([](EditableFile& f) { f.part("conv.weight").data[3] = '\x0c'; }, "tensor 'conv.weight': invalid ternary2 code 0b11 at weight 13");
  expect_parse_error([](EditableFile& f) { f.part("conv.weight").data[13] = '\x10'; }, "tensor 'conv.weight': ternary2 padding");
  expect_parse_error([](EditableFile& f) { f.part("fc.weight").data[1] = '\xfa'; }, "tensor 'fc.weight': invalid ternary1.6 byte 250");
  expect_parse_error([](EditableFile& f) { f.part("fc.weight").data[4] = '\x03'; }, "padding trits");
  const float nan = std::nanf("");
  expect_parse_error([&](EditableFile& f) { std::memcpy(f.part("conv.weight.wp").data.data(), &nan, 4); }, "tensor 'conv.weight': wp and wn must be finite");
  expect_parse_error([&](EditableFile& f) { std::memcpy(f.part("conv2.weight").data.data() + 8, &nan, 4); }, "tensor 'conv2.weight': value 2 is not finite");
}

TEST(ModelFile, RejectsBadMetadata) {
  expect_parse_error([](EditableFile& f) { f.metadata.erase("format"); }, "not a ttq model file");
  expect_parse_error([](EditableFile& f) { f.metadata["format"] = "pt"; }, "not a ttq model file");
  expect_parse_error([](EditableFile& f) { f.metadata["format_version"] = "2"; }, "format_version 2 is newer");
  expect_parse_error([](EditableFile& f) { f.metadata["format_version"] = "-1"; }, "format_version");
  expect_parse_error([](EditableFile& f) { f.metadata["format_version"] = "0"; }, "format_version 0");
  expect_parse_error([](EditableFile& f) { f.metadata.erase("graph"); }, "metadata lacks 'graph'");
  expect_parse_error([](EditableFile& f) { f.metadata["graph"] = "{"; }, "metadata 'graph' is not valid JSON");
  expect_parse_error([](EditableFile& f) {
    json g = f.meta_json("graph");
    g["nodes"][0]["op"] = "conv3d";
    f.set_meta_json("graph", g);
  }, "unknown op 'conv3d'");
  expect_parse_error([](EditableFile& f) {
    json g = f.meta_json("graph");
    g["nodes"][0]["attrs"]["in_channels"] = 3;
    f.set_meta_json("graph", g);
  }, "in_channels 3 but its input has 2 channels");
  expect_parse_error([](EditableFile& f) { f.metadata["num_classes"] = "6"; }, "num_classes is 6");
  expect_parse_error([](EditableFile& f) { f.metadata["num_classes"] = "seven"; }, "num_classes");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration", {{"input", -1.0}}); }, "calibration of activation 'input' must be finite and > 0");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration", {{"nowhere", 1.0}}); }, "activation 'nowhere'");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration", {{"input", "big"}}); }, "calibration of 'input' is not a number");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration", {{"input", 1e300}}); }, "not a finite float");
  expect_parse_error([](EditableFile& f) { f.metadata["calibration_mean"] = "[]"; }, "metadata 'calibration_mean' is not a JSON object");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration_mean", {{"input", 0.5}}); }, "calibration_mean of 'input' is not a JSON array");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration_mean", {{"input", {0.5, "x"}}}); }, "an entry of calibration_mean of 'input' is not a number");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration_mean", {{"input", {0.5}}}); },
                     "calibration_mean of 'input' has 1 values but that activation has 2 channels");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("calibration_mean", {{"nowhere", {0.5}}}); }, "calibration_mean names activation 'nowhere'");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("input_mean", {0.5}); }, "input_mean has 1 values but the input has 2 channels");
  expect_parse_error([](EditableFile& f) { f.set_meta_json("input_std", {0.5, 0.0}); }, "input_std values must be finite and > 0");
  expect_parse_error([](EditableFile& f) { f.metadata["info"] = "[]"; }, "info must be a JSON object");
}

TEST(ModelFile, SaveRefusesInvalidModels) {
  expect_save_error([](ModelFile& m) { m.tensors.erase("conv.weight"); }, "needs tensor 'conv.weight'");
  expect_save_error([](ModelFile& m) { m.tensors["conv.weight"].codes[5] = 2; }, "tensor 'conv.weight': code 5 is 2");
  expect_save_error([](ModelFile& m) { m.tensors["conv.weight"].codes.pop_back(); }, "must have 54 codes");
  expect_save_error([](ModelFile& m) { m.tensors["conv2.weight"].values.push_back(1.f); }, "must have 9 values");
  expect_save_error([](ModelFile& m) { m.tensors["conv2.scale"].encoding = Encoding::ternary2; m.tensors["conv2.scale"].codes = {0, 1, -1}; m.tensors["conv2.scale"].values.clear(); },
                    "tensor 'conv2.scale' must be fp32");
  expect_save_error([](ModelFile& m) { m.tensors["fc.bias"].shape = {-7}; }, "negative");
  expect_save_error([](ModelFile& m) { m.input_std.clear(); }, "input_std has 0 values");
  expect_save_error([](ModelFile& m) { m.graph.nodes[0].attrs["groups"] = 0; }, "groups");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ttq_format_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

TEST(ModelFile, SavesAtomicallyAndLoads) {
  TempDir dir;
  const std::string path = (dir.path() / "model.ttq").string();
  save_model_file(path, fixed_model());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.ttq"});  // no temporary left behind
  expect_same(fixed_model(), load_model_file(path));
  save_model_file(path, testing::random_model(7));  // overwrite in place
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"model.ttq"});
  expect_same(testing::random_model(7), load_model_file(path));
}

TEST(ModelFile, FailedSaveLeavesNoFile) {
  TempDir dir;
  ModelFile bad = fixed_model();
  bad.tensors.erase("fc.bias");
  bad.tensors.erase("fc.weight");
  EXPECT_THROW(save_model_file((dir.path() / "bad.ttq").string(), bad), FormatError);
  EXPECT_TRUE(dir.entries().empty());
  EXPECT_THROW(save_model_file((dir.path() / "no" / "such" / "dir.ttq").string(), fixed_model()), FileError);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(ModelFile, LoadErrorsNameTheFile) {
  TempDir dir;
  const std::string path = (dir.path() / "missing.ttq").string();
  EXPECT_THROW(load_model_file(path), FileError);
  {
    std::ofstream(path, std::ios::binary) << "not a model";
  }
  try {
    load_model_file(path);
    FAIL() << "loaded garbage";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ttq::format
