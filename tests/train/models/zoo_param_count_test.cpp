// Parameter counts against the papers / torchvision / the Tiny ImageNet replication
// (TropComplique), and torchvision's
// state-dict names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/models/model_zoo.h"

namespace ttq::train {
namespace {

std::shared_ptr<Network> build(const std::string& name, int64_t c, int64_t side, int64_t classes,
                               std::optional<bool> small = std::nullopt) {
  ModelOptions o;
  o.in_channels = c;
  o.height = o.width = side;
  o.num_classes = classes;
  o.small_input = small;
  return make_model(name, o);
}

// CIFAR ResNet-(6n+2), counted from the architecture: a 3x3 stem conv, 3 stages
// of n basic blocks (two 3x3 convs, each with batch norm: 2 parameters per
// channel), parameter-free option-A shortcuts, and the classifier.
int64_t cifar_resnet_params(int depth, int64_t in_channels, int64_t classes) {
  const int64_t n = (depth - 2) / 6;
  const auto conv3x3 = [](int64_t in, int64_t out) { return in * out * 9; };
  int64_t total = conv3x3(in_channels, 16) + 2 * 16;
  int64_t in = 16;
  for (int64_t width : {16, 32, 64}) {
    for (int64_t b = 0; b < n; ++b) {
      total += conv3x3(in, width) + 2 * width + conv3x3(width, width) + 2 * width;
      in = width;
    }
  }
  return total + 64 * classes + classes;
}

TEST(ParamCount, CifarResNetsMatchTheArchitecture) {
  // 269,722: the paper's "0.27M". The often-quoted 272,474 is the same net with
  // option-B (1x1 conv + BN) projection shortcuts in the two downsampling blocks:
  // 16*32 + 2*32 + 32*64 + 2*64 = 2,752 more.
  EXPECT_EQ(cifar_resnet_params(20, 3, 10), 269722);
  for (int depth : {20, 32, 44, 56}) {
    EXPECT_EQ(count_parameters(*build("resnet" + std::to_string(depth), 3, 32, 10)), cifar_resnet_params(depth, 3, 10))
        << depth;
  }
  EXPECT_EQ(count_parameters(*build("resnet56", 1, 28, 100)), cifar_resnet_params(56, 1, 100));
  EXPECT_EQ(count_parameters(*build("resnet56", 3, 32, 10)), 853018);  // the paper's "0.85M"
}

TEST(ParamCount, OptionAShortcutIsAFixedBuffer) {
  auto net = build("resnet20", 3, 32, 10);
  EXPECT_FALSE(net->named_parameters().contains("layer2.0.shortcut.weight"));
  const auto w = net->named_buffers()["layer2.0.shortcut.weight"];
  ASSERT_EQ(w.sizes(), (std::vector<int64_t>{32, 16, 1, 1}));
  auto expected = torch::zeros({32, 16});
  expected.narrow(0, 0, 16).copy_(torch::eye(16));
  EXPECT_TRUE(torch::equal(w.view({32, 16}), expected));
  EXPECT_TRUE(net->named_buffers().contains("layer3.0.shortcut.weight"));
  EXPECT_FALSE(net->named_buffers().contains("layer1.0.shortcut.weight"));  // identity needs none
}

TEST(ParamCount, TorchvisionResNets) {
  EXPECT_EQ(count_parameters(*build("resnet18", 3, 224, 1000)), 11689512);
  EXPECT_EQ(count_parameters(*build("resnet34", 3, 224, 1000)), 21797672);
  // The small-input stem only shrinks conv1: 3x3 instead of 7x7.
  EXPECT_EQ(count_parameters(*build("resnet18", 3, 32, 1000)), 11689512 - 64 * 3 * (49 - 9));
}

TEST(ParamCount, TorchvisionResNet18StateDictNames) {
  auto net = build("resnet18", 3, 224, 1000);
  const auto params = net->named_parameters();
  const auto buffers = net->named_buffers();
  for (const char* name : {"conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer1.0.bn1.weight",
                           "layer1.1.conv2.weight", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
                           "layer2.0.downsample.1.bias", "layer4.1.bn2.bias", "fc.weight", "fc.bias"}) {
    EXPECT_TRUE(params.contains(name)) << name;
  }
  for (const char* name : {"bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
                           "layer3.0.downsample.1.running_var"}) {
    EXPECT_TRUE(buffers.contains(name)) << name;
  }
  EXPECT_FALSE(params.contains("conv1.bias"));  // torchvision convs have no bias
  EXPECT_FALSE(params.contains("layer1.0.downsample.0.weight"));
  EXPECT_EQ(params["layer2.0.downsample.0.weight"].sizes(), (std::vector<int64_t>{128, 64, 1, 1}));
  EXPECT_EQ(params.size(), 62u);  // torchvision resnet18: 62 parameter tensors
}

TEST(ParamCount, DenseNets) {
  auto d121 = build("densenet121", 3, 224, 1000);
  EXPECT_EQ(count_parameters(*d121), 7978856);  // torchvision
  const auto params = d121->named_parameters();
  for (const char* name : {"features.conv0.weight", "features.norm0.weight",
                           "features.denseblock1.denselayer1.norm1.weight", "features.denseblock1.denselayer1.conv1.weight",
                           "features.denseblock1.denselayer6.conv2.weight", "features.transition1.norm.bias",
                           "features.transition3.conv.weight", "features.denseblock4.denselayer16.conv2.weight",
                           "features.norm5.weight", "classifier.weight", "classifier.bias"}) {
    EXPECT_TRUE(params.contains(name)) << name;
  }
  EXPECT_EQ(params["features.denseblock4.denselayer16.conv1.weight"].sizes(),
            (std::vector<int64_t>{128, 512 + 15 * 32, 1, 1}));
  // The Tiny ImageNet replication's table (TropComplique): small DenseNet, 64x64, 200 classes.
  EXPECT_EQ(count_parameters(*build("densenet_small", 3, 64, 200)), 440264);
}

TEST(ParamCount, SqueezeNetBnMatchesTinyImageNetReplication) {
  EXPECT_EQ(count_parameters(*build("squeezenet_bn", 3, 64, 200)), 827784);
}

TEST(ParamCount, AlexNetBnAtImageNetSize) {
  // torchvision AlexNet (61,100,840) minus the biases of the 5 convs and the 2
  // hidden linears, plus 2 parameters per channel for 7 batch norms.
  const int64_t conv_bias = 64 + 192 + 384 + 256 + 256, hidden_bias = 4096 + 4096;
  const int64_t expected = 61100840 - conv_bias - hidden_bias + 2 * (conv_bias + hidden_bias);
  EXPECT_EQ(count_parameters(*build("alexnet_bn", 3, 224, 1000)), expected);
}

}  // namespace
}  // namespace ttq::train
