// The runtime on real files: save with the format layer, load by path (C++ and C API).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "common/error.h"
#include "format/model_file.h"
#include "test_models.h"
#include "ttq/runtime.h"

namespace ttq {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ttq_runtime_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(ModelFileRoundTrip, LoadedFileRunsLikeTheInMemoryModel) {
  for (auto m : {runtime_test::make_resnet_like(5), runtime_test::make_mixed(6)}) {
    const std::string path = temp_path(m.architecture + ".ttq");
    format::save_model_file(path, m);
    const auto x = runtime_test::random_input(m, 3, 4);
    Options o;
    o.threads = 2;
    Model from_file = Model::load(path, o);
    Model in_memory = Model::from_model_file(m, o);
    EXPECT_EQ(from_file.run(x, 3), in_memory.run(x, 3)) << m.architecture;
    EXPECT_EQ(from_file.num_classes(), m.num_classes);
    EXPECT_EQ(from_file.input_shape()[0], m.graph.input_shape[0]);

    // The C API gives the same logits.
    char err[256] = "";
    ttq_model* cm = ttq_model_load(path.c_str(), 2, err, sizeof err);
    ASSERT_NE(cm, nullptr) << err;
    int c = 0, h = 0, w = 0;
    ttq_model_input_shape(cm, &c, &h, &w);
    EXPECT_EQ(c * h * w, runtime_test::input_size(m));
    std::vector<float> logits(3 * ttq_model_num_classes(cm));
    ASSERT_EQ(ttq_model_run(cm, x.data(), 3, logits.data()), 0) << ttq_model_last_error(cm);
    EXPECT_EQ(logits, in_memory.run(x, 3));
    EXPECT_NE(ttq_model_run(cm, x.data(), 0, logits.data()), 0);
    EXPECT_NE(std::string(ttq_model_last_error(cm)).find("batch"), std::string::npos) << ttq_model_last_error(cm);
    ttq_model_free(cm);
    std::remove(path.c_str());
  }
}

TEST(ModelFileRoundTrip, MissingOrCorruptFilesAreTypedErrors) {
  EXPECT_THROW(Model::load(temp_path("does_not_exist.ttq")), FileError);
  char err[256] = "";
  EXPECT_EQ(ttq_model_load(temp_path("does_not_exist.ttq").c_str(), 1, err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("does_not_exist"), std::string::npos) << err;

  const std::string path = temp_path("garbage.ttq");
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("this is not a model file at all", f);
  std::fclose(f);
  EXPECT_THROW(Model::load(path), FormatError);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ttq
