#include "format/graph_shapes.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace ttq::format {
namespace {

using Shape = ActivationShape;

TEST(GraphShapes, InfersEveryOp) {
  GraphBuilder b({3, 8, 8});
  const auto c1 = b.conv2d("c1", b.input(), 3, 4, 3, 2, 1);        // [4,4,4]
  const auto bn = b.batchnorm("bn", c1, 4);
  const auto r = b.relu(bn);
  const auto dw = b.conv2d("dw", r, 4, 4, 3, 1, 1, 4);              // depthwise, [4,4,4]
  const auto s = b.add(r, dw);
  const auto cat = b.concat({s, r});                                 // [8,4,4]
  const auto mp = b.maxpool2d(cat, 2, 2, 0);                        // [8,2,2]
  const auto ap = b.avgpool2d(mp, 3, 1, 1);                         // [8,2,2]
  const auto g = b.global_avgpool(ap);                              // [8,1,1]
  const auto f = b.flatten(g);                                      // [8]
  const auto fc = b.linear("fc", f, 8, 10);                         // [10]
  const auto shapes = infer_shapes(b.finish(fc));
  EXPECT_EQ(shapes.at("input"), (Shape{3, 8, 8}));
  EXPECT_EQ(shapes.at(c1), (Shape{4, 4, 4}));
  EXPECT_EQ(shapes.at(dw), (Shape{4, 4, 4}));
  EXPECT_EQ(shapes.at(cat), (Shape{8, 4, 4}));
  EXPECT_EQ(shapes.at(mp), (Shape{8, 2, 2}));
  EXPECT_EQ(shapes.at(ap), (Shape{8, 2, 2}));
  EXPECT_EQ(shapes.at(g), (Shape{8, 1, 1}));
  EXPECT_EQ(shapes.at(f), (Shape{8}));
  EXPECT_EQ(shapes.at(fc), (Shape{10}));
}

void expect_shape_error(Graph g, const std::string& needle) {
  try {
    infer_shapes(g);
    ADD_FAILURE() << "no error, expected '" << needle << "'";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(GraphShapes, RejectsMismatches) {
  {
    GraphBuilder b({3, 8, 8});
    expect_shape_error(b.finish(b.conv2d("c", b.input(), 4, 4, 3, 1, 1)), "node 'c' (conv2d): in_channels 4");
  }
  {
    GraphBuilder b({3, 8, 8});
    expect_shape_error(b.finish(b.linear("fc", b.global_avgpool(b.input()), 3, 2)), "flatten");
  }
  {
    GraphBuilder b({3, 8, 8});
    expect_shape_error(b.finish(b.linear("fc", b.flatten(b.input()), 3, 2)), "in_features 3");
  }
  {
    GraphBuilder b({3, 8, 8});
    const auto c = b.conv2d("c", b.input(), 3, 4, 3, 2, 1);
    expect_shape_error(b.finish(b.add(b.input(), c)), "adds [3, 8, 8] and [4, 4, 4]");
  }
  {
    GraphBuilder b({3, 2, 2});
    expect_shape_error(b.finish(b.conv2d("big", b.input(), 3, 4, 5, 1, 1)), "larger than the padded input");
  }
  {
    GraphBuilder b({3, 8, 8});
    expect_shape_error(b.finish(b.maxpool2d(b.input(), 2, 2, 2)), "padding must be at most half");
  }
  {
    GraphBuilder b({3, 8, 8});
    const auto p = b.maxpool2d(b.input(), 2, 2, 0);
    expect_shape_error(b.finish(b.concat({b.input(), p})), "concatenates");
  }
  {
    GraphBuilder b({3, 8, 8});
    expect_shape_error(b.finish(b.batchnorm("bn", b.input(), 5)), "channels 5");
  }
  {
    GraphBuilder b({4096, 4096, 4096});
    expect_shape_error(b.finish(b.relu(b.input())), "too large");
  }
}

}  // namespace
}  // namespace ttq::format
