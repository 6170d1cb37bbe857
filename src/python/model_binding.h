// ttq.Model: a ttq::Model and the path it came from, as Python sees it.
#pragma once

#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "ttq/runtime.h"

namespace ttq::python {

class BoundModel {
 public:
  // Loads and compiles the model with the GIL released (it reads and packs every weight).
  BoundModel(const pybind11::object& path, int threads, const std::string& precision, int max_weight_level,
             int batch_chunk);

  // Normalized float images -> float32 logits (N, classes), or (classes,) for one (C, H, W) image.
  // The GIL is released while the network runs; calls on one model take turns (the
  // runtime's arena is shared), calls on different models run side by side.
  pybind11::array_t<float> run(const pybind11::object& images);
  // Raw uint8 pixels NHWC, normalized with the file's mean/std by the runtime.
  pybind11::array_t<float> run_pixels(const pybind11::object& pixels);

  const Model& model() const { return model_; }
  const std::string& path() const { return path_; }
  std::string precision_name() const;
  std::string repr() const;

 private:
  pybind11::array_t<float> logits_for(int n, bool single) const;

  std::string path_;
  Model model_;
};

// "fast" or "fp32_reference" (as `ttq run` reports them; "fp32-reference" is accepted too).
Precision parse_precision(const std::string& name);
const char* precision_name(Precision p);

void register_model(pybind11::module_& m);

}  // namespace ttq::python
