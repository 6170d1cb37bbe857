// The C API: the C++ API with exceptions turned into error text.
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#include "common/error.h"
#include "ttq/runtime.h"

struct ttq_model {
  ttq::Model model;
  std::string last_error;
};

namespace {

void copy_error(const std::string& text, char* buf, int len) {
  if (buf == nullptr || len <= 0) return;
  const size_t n = std::min(text.size(), static_cast<size_t>(len - 1));
  std::memcpy(buf, text.data(), n);
  buf[n] = '\0';
}

std::string error_text(const std::exception& e) {
  if (const auto* u = dynamic_cast<const ttq::UserError*>(&e)) return u->one_line();
  return e.what();
}

}  // namespace

extern "C" {

ttq_model* ttq_model_load(const char* path, int threads, char* errbuf, int errlen) {
  try {
    if (path == nullptr) throw ttq::ArgumentError("model path is null", "pass the path of a .ttq model file");
    ttq::Options opt;
    opt.threads = threads <= 0 ? 1 : threads;
    return new ttq_model{ttq::Model::load(path, opt), {}};
  } catch (const std::exception& e) {
    copy_error(error_text(e), errbuf, errlen);
    return nullptr;
  }
}

int ttq_model_run(ttq_model* model, const float* input_nchw, int batch, float* logits) {
  if (model == nullptr) return 1;
  try {
    model->model.run(input_nchw, batch, logits);
    model->last_error.clear();
    return 0;
  } catch (const std::exception& e) {
    model->last_error = error_text(e);
    return 1;
  }
}

int ttq_model_num_classes(const ttq_model* model) { return model ? model->model.num_classes() : 0; }

void ttq_model_input_shape(const ttq_model* model, int* channels, int* height, int* width) {
  const std::array<int, 3> s = model ? model->model.input_shape() : std::array<int, 3>{0, 0, 0};
  if (channels) *channels = s[0];
  if (height) *height = s[1];
  if (width) *width = s[2];
}

const char* ttq_model_last_error(const ttq_model* model) { return model ? model->last_error.c_str() : "null model"; }

void ttq_model_free(ttq_model* model) { delete model; }

}  // extern "C"
