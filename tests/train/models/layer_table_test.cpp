// The `ttq info` layer table: shapes, parameters and MACs from the graph.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "train/models/layer_table.h"
#include "train/models/model_zoo.h"

namespace ttq::train {
namespace {

int64_t sum_params(const std::vector<LayerInfo>& rows) {
  int64_t n = 0;
  for (const auto& r : rows) n += r.params;
  return n;
}

TEST(LayerTable, ResNet20OnCifar) {
  auto net = make_model("resnet20", ModelOptions{});
  const auto rows = layer_table(*net, {3, 32, 32});
  // 19 convs + 19 batch norms + 2 shortcut convs + fc
  ASSERT_EQ(rows.size(), 41u);
  const auto& conv1 = rows.front();
  EXPECT_EQ(conv1.name, "conv1");
  EXPECT_EQ(conv1.type, "conv2d");
  EXPECT_EQ(conv1.in_shape, (std::vector<int64_t>{3, 32, 32}));
  EXPECT_EQ(conv1.out_shape, (std::vector<int64_t>{16, 32, 32}));
  EXPECT_EQ(conv1.params, 432);
  EXPECT_EQ(conv1.macs, 16 * 32 * 32 * 3 * 9);
  EXPECT_EQ(rows[1].type, "batchnorm");
  EXPECT_EQ(rows[1].params, 32);
  EXPECT_EQ(rows[1].macs, 16 * 32 * 32);
  const auto& fc = rows.back();
  EXPECT_EQ(fc.name, "fc");
  EXPECT_EQ(fc.in_shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(fc.macs, 640);
  EXPECT_EQ(sum_params(rows), count_parameters(*net));

  int64_t shortcut_rows = 0;
  for (const auto& r : rows) {
    if (r.name == "layer2.0.shortcut") {
      ++shortcut_rows;
      EXPECT_EQ(r.params, 0);
      EXPECT_NE(r.detail.find("fixed"), std::string::npos);
      EXPECT_EQ(r.out_shape, (std::vector<int64_t>{32, 16, 16}));
    }
  }
  EXPECT_EQ(shortcut_rows, 1);
}

TEST(LayerTable, ResNet18ImageNetMacs) {
  ModelOptions o;
  o.height = o.width = 224;
  o.num_classes = 1000;
  auto net = make_model("resnet18", o);
  const auto rows = layer_table(*net, {3, 224, 224});
  int64_t conv_fc_macs = 0;
  for (const auto& r : rows) conv_fc_macs += r.type == "batchnorm" ? 0 : r.macs;
  EXPECT_EQ(conv_fc_macs, 1814073344);  // the well-known "1.8 GFLOPs" of ResNet-18
  EXPECT_EQ(sum_params(rows), 11689512);
}

TEST(LayerTable, EveryModelsRowsCoverAllParameters) {
  for (const auto& name : model_names()) {
    if (name == "densenet121") continue;  // covered by the same code path, and slow to build
    auto net = make_model(name, ModelOptions{});
    EXPECT_EQ(sum_params(layer_table(*net, {3, 32, 32})), count_parameters(*net)) << name;
  }
}

TEST(LayerTable, FormatsAlignedRowsAndTotal) {
  auto net = make_model("resnet20", ModelOptions{});
  const std::string text = format_layer_table(layer_table(*net, {3, 32, 32}));
  EXPECT_NE(text.find("layer1.0.conv1"), std::string::npos);
  EXPECT_NE(text.find("16x32x32 -> 16x32x32"), std::string::npos);
  EXPECT_NE(text.find("269,722"), std::string::npos);  // total parameters
  EXPECT_EQ(text.rfind("total", 0), std::string::npos);  // header first
  EXPECT_NE(text.find("\ntotal"), std::string::npos);
}

TEST(LayerTable, WrongChannelsIsAShapeError) {
  auto net = make_model("resnet20", ModelOptions{});
  EXPECT_THROW(layer_table(*net, {1, 32, 32}), ShapeError);
}

}  // namespace
}  // namespace ttq::train
