// PyTorch state dicts into the zoo and back: torchvision's own files (written by
// make_torchvision_models.py at test time, into TTQ_INTEROP_DIR) give LibTorch logits equal
// to torchvision's, and what the zoo writes back is what it read.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.h"
#include "format/state_dict_file.h"
#include "train/interop/state_dict_interop.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/trainer/model_builder.h"

namespace ttq::train {
namespace {

std::string fixture(const std::string& name) {
  const char* dir = std::getenv("TTQ_INTEROP_DIR");
  return std::string(dir ? dir : ".") + "/" + name;
}

std::shared_ptr<Network> zoo_model(const std::string& name, std::array<int64_t, 3> shape = {3, 224, 224}) {
  TrainConfig cfg;
  cfg.model = name;
  return build_network(cfg, shape, 10);
}

torch::Tensor tensor_of(const format::StateDict& sd, const std::string& name) {
  for (const auto& t : sd) {
    if (t.name == name) {
      return torch::from_blob(const_cast<char*>(t.data.data()), t.shape, torch::kFloat32).clone();
    }
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

// LibTorch logits of the imported network vs torchvision's, within 1e-4 of the largest.
void expect_torchvision_logits(const std::string& model, const std::string& weights_file) {
  SCOPED_TRACE(weights_file);
  auto net = zoo_model(model);
  load_state_dict(*net, format::load_state_dict(fixture(weights_file)), weights_file);
  net->eval();
  const auto io = format::load_state_dict(fixture(model + "_io.pth"));
  const auto input = tensor_of(io, "input"), expected = tensor_of(io, "logits");
  torch::NoGradGuard no_grad;
  const auto logits = net->forward(input);
  ASSERT_EQ(logits.sizes(), expected.sizes());
  const double largest = expected.abs().max().item<double>();
  const double diff = (logits - expected).abs().max().item<double>();
  EXPECT_GT(largest, 0.1);  // random weights with randomized statistics: logits far from zero
  EXPECT_LE(diff, 1e-4 * largest) << "max |diff| " << diff << ", largest logit " << largest;
}

TEST(TorchvisionInterop, ResNet18FromTorchSave) { expect_torchvision_logits("resnet18", "resnet18.pth"); }
TEST(TorchvisionInterop, ResNet18FromSafetensors) { expect_torchvision_logits("resnet18", "resnet18.safetensors"); }
TEST(TorchvisionInterop, DenseNet121FromTorchSave) { expect_torchvision_logits("densenet121", "densenet121.pth"); }

TEST(TorchvisionInterop, WritesBackExactlyWhatItRead) {
  const auto original = format::load_state_dict(fixture("resnet18.pth"));
  auto net = zoo_model("resnet18");
  load_state_dict(*net, original, "resnet18.pth");
  const auto back = network_state_dict(*net);
  ASSERT_EQ(back.size(), original.size());
  for (size_t i = 0; i < back.size(); ++i) {  // torchvision's order, bit for bit
    EXPECT_EQ(back[i].name, original[i].name);
    EXPECT_EQ(back[i].shape, original[i].shape) << back[i].name;
    EXPECT_EQ(back[i].dtype, original[i].dtype) << back[i].name;
    EXPECT_TRUE(back[i].data == original[i].data) << back[i].name;
  }
}

std::string error_of(const format::StateDict& sd) {
  auto net = zoo_model("resnet18");
  try {
    load_state_dict(*net, sd, "f.pth");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(TorchvisionInterop, NamesEveryMissingUnexpectedAndMisshapedTensor) {
  auto sd = format::load_state_dict(fixture("resnet18.pth"));
  const auto drop = [&](const std::string& name) {
    sd.erase(std::find_if(sd.begin(), sd.end(), [&](const auto& t) { return t.name == name; }));
  };
  drop("layer2.1.bn2.running_var");
  sd.push_back({"head.weight", format::safetensors::DType::F32, {2}, std::string(8, '\0')});
  for (auto& t : sd)
    if (t.name == "fc.bias") t = {"fc.bias", format::safetensors::DType::F32, {3}, std::string(12, '\0')};
  const std::string e = error_of(sd);
  EXPECT_NE(e.find("missing layer2.1.bn2.running_var"), std::string::npos) << e;
  EXPECT_NE(e.find("unexpected head.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("mis-shaped fc.bias (file 3"), std::string::npos) << e;
}

TEST(TorchvisionInterop, CopiesNothingWhenAnythingDoesNotFit) {
  auto sd = format::load_state_dict(fixture("resnet18.pth"));
  sd.push_back({"extra", format::safetensors::DType::F32, {1}, std::string(4, '\0')});
  auto net = zoo_model("resnet18");
  const auto before = net->named_parameters()["conv1.weight"].clone();
  EXPECT_THROW(load_state_dict(*net, sd, "f.pth"), FormatError);
  EXPECT_TRUE(torch::equal(before, net->named_parameters()["conv1.weight"]));
}

TEST(TorchvisionInterop, AMissingNumBatchesTrackedIsZeroAsInPyTorch) {
  auto sd = format::load_state_dict(fixture("resnet18.pth"));
  sd.erase(std::remove_if(sd.begin(), sd.end(), [](const auto& t) { return t.name == "bn1.num_batches_tracked"; }),
           sd.end());
  auto net = zoo_model("resnet18");
  load_state_dict(*net, sd, "f.pth");
  EXPECT_EQ(net->named_buffers()["bn1.num_batches_tracked"].item<int64_t>(), 0);
  EXPECT_EQ(net->named_buffers()["layer1.0.bn1.num_batches_tracked"].item<int64_t>(), 123);
}

TEST(TorchvisionInterop, DropsDataParallelsPrefixOnlyWhenEveryNameHasIt) {
  format::StateDict sd = {{"module.a", format::safetensors::DType::F32, {}, std::string(4, '\0')},
                          {"module.b", format::safetensors::DType::F32, {}, std::string(4, '\0')}};
  EXPECT_TRUE(drop_data_parallel_prefix(sd));
  EXPECT_EQ(sd[0].name, "a");
  sd.push_back({"module.c", format::safetensors::DType::F32, {}, std::string(4, '\0')});
  EXPECT_FALSE(drop_data_parallel_prefix(sd));
  EXPECT_EQ(sd[2].name, "module.c");
}

// A TTQ network written for PyTorch: fp32 names, each quantized weight exactly {-Wn, 0, +Wp}.
TEST(TtqExport, QuantizedWeightsAreTheirTernaryValues) {
  auto net = zoo_model("resnet20", {3, 32, 32});
  const auto fp32_names = [&] {
    std::vector<std::string> n;
    for (const auto& t : network_state_dict(*net)) n.push_back(t.name);
    return n;
  }();
  QuantConfig q;
  q.method = "ttq";
  const auto quantized = attach_quantization(*net, q);
  ASSERT_FALSE(quantized.empty());
  {
    torch::NoGradGuard no_grad;  // distinct scales per layer, so a mix-up shows
    int i = 0;
    for (const auto& p : net->named_parameters()) {
      if (p.key().find(".quant.") != std::string::npos) p.value().fill_(0.5 + 0.01 * ++i);
    }
  }
  const auto sd = network_state_dict(*net);
  std::vector<std::string> names;
  for (const auto& t : sd) names.push_back(t.name);
  EXPECT_EQ(names, fp32_names);  // no quantizer parameters, nothing else changed
  const auto params = net->named_parameters();
  for (const auto& layer : quantized) {
    SCOPED_TRACE(layer);
    const auto w = tensor_of(sd, layer + ".weight");
    const float wp = params[layer + ".quant.wp"].item<float>(), wn = params[layer + ".quant.wn"].item<float>();
    const auto values = std::get<0>(at::_unique(w.flatten()));
    ASSERT_EQ(values.numel(), 3);
    EXPECT_FLOAT_EQ(values[0].item<float>(), -wn);
    EXPECT_FLOAT_EQ(values[1].item<float>(), 0.f);
    EXPECT_FLOAT_EQ(values[2].item<float>(), wp);
  }
}

}  // namespace
}  // namespace ttq::train
