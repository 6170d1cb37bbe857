// The `ttq` Python module: the standalone runtime (include/ttq/runtime.h) for numpy
// arrays. Built into <build>/python by CMake; see docs/PYTHON.md.
#include <pybind11/pybind11.h>

#include "python/model_binding.h"
#include "python/python_errors.h"

PYBIND11_MODULE(ttq, m) {
  m.doc() = "ttq: run Trained Ternary Quantization model files on the CPU (no LibTorch)";
  m.attr("__version__") = TTQ_VERSION;
  ttq::python::register_errors(m);
  ttq::python::register_model(m);
}
