// The registry: names, errors for unknown names, bad options and too-small inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "common/error.h"
#include "train/models/model_zoo.h"
#include "train/models/quant_layers.h"

namespace ttq::train {
namespace {

TEST(ModelZoo, ListsEveryModel) {
  const std::vector<std::string> expected = {"resnet20", "resnet32",    "resnet44",       "resnet56",     "resnet18",
                                             "resnet34", "alexnet_bn", "densenet121", "densenet_small", "squeezenet_bn"};
  EXPECT_EQ(model_names(), expected);
  for (const auto& n : expected) {
    const std::string line = model_summary(n);
    EXPECT_EQ(line.rfind(n + " ", 0), 0u) << line;  // starts with the name
    EXPECT_GT(line.size(), 20u) << line;
  }
}

TEST(ModelZoo, UnknownNameListsTheKnownOnes) {
  try {
    make_model("resnet19", ModelOptions{});
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("resnet19"), std::string::npos);
    EXPECT_NE(e.hint().find("resnet20"), std::string::npos);
    EXPECT_NE(e.hint().find("squeezenet_bn"), std::string::npos);
  }
}

TEST(ModelZoo, RejectsNonsenseOptions) {
  ModelOptions o;
  o.num_classes = 0;
  EXPECT_THROW(make_model("resnet20", o), ArgumentError);
  o = ModelOptions{};
  o.in_channels = 0;
  EXPECT_THROW(make_model("resnet20", o), ArgumentError);
  o = ModelOptions{};
  o.height = -3;
  EXPECT_THROW(make_model("resnet20", o), ArgumentError);
}

TEST(ModelZoo, TooSmallInputIsAShapeError) {
  ModelOptions o;
  o.small_input = false;  // AlexNet's 11x11/4 stem and three 3x3/2 pools need 63 px
  o.height = o.width = 32;
  EXPECT_THROW(make_model("alexnet_bn", o), ShapeError);
  o.height = o.width = 63;
  EXPECT_NO_THROW(make_model("alexnet_bn", o));
  o.small_input = false;  // torchvision DenseNet-121 stem: /4, then three /2 transitions
  o.height = o.width = 16;
  EXPECT_THROW(make_model("densenet121", o), ShapeError);
}

TEST(ModelZoo, SmallInputIsAutomaticUpTo64Pixels) {
  ModelOptions o;
  o.height = o.width = 64;
  EXPECT_TRUE(o.use_small_input());
  o.width = 65;
  EXPECT_FALSE(o.use_small_input());
  o.small_input = true;
  EXPECT_TRUE(o.use_small_input());
  auto net = make_model("resnet18", o);
  EXPECT_EQ(net->named_parameters()["conv1.weight"].size(2), 3);
  o.small_input.reset();
  net = make_model("resnet18", o);
  EXPECT_EQ(net->named_parameters()["conv1.weight"].size(2), 7);
  EXPECT_EQ(net->arch, "resnet18");
}

TEST(ModelZoo, QuantizableLayersRunFromFirstConvToClassifier) {
  const std::map<std::string, std::pair<std::string, std::string>> ends = {
      {"resnet20", {"conv1", "fc"}},
      {"resnet18", {"conv1", "fc"}},
      {"alexnet_bn", {"features.0", "classifier.8"}},
      {"densenet_small", {"features.conv0", "classifier"}},
      {"squeezenet_bn", {"features.0", "classifier.1"}}};
  ModelOptions o;
  for (const auto& [name, first_last] : ends) {
    auto net = make_model(name, o);
    const auto layers = quantizable_layers(*net);
    ASSERT_GE(layers.size(), 2u);
    EXPECT_EQ(layers.front().name, first_last.first) << name;
    EXPECT_EQ(layers.back().name, first_last.second) << name;
    EXPECT_TRUE(layers.front().layer->is_conv());
  }
}

}  // namespace
}  // namespace ttq::train
