#include "python/model_binding.h"

#include <vector>

#include "common/error.h"
#include "python/input_arrays.h"

namespace py = pybind11;

namespace ttq::python {
namespace {

// str, bytes or any os.PathLike, as open() takes them.
std::string path_string(const py::object& path) {
  return py::module_::import("os").attr("fsdecode")(path).cast<std::string>();
}

Options make_options(int threads, const std::string& precision, int max_weight_level, int batch_chunk) {
  Options o;
  if (threads < 1) throw ArgumentError("threads must be >= 1, got " + std::to_string(threads), "pass threads=N, N >= 1");
  o.threads = threads;  // the upper bound is Model::load's
  o.precision = parse_precision(precision);
  o.max_weight_level = max_weight_level;
  o.batch_chunk = batch_chunk;
  return o;
}

Model load_without_gil(const std::string& path, const Options& options) {
  py::gil_scoped_release release;
  return Model::load(path, options);
}

py::tuple floats(const std::vector<float>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::float_(v[i]);
  return t;
}

}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "fast") return Precision::fast;
  if (name == "fp32_reference" || name == "fp32-reference") return Precision::fp32_reference;
  throw ArgumentError("unknown precision '" + name + "'", "use 'fast' (u8 x ternary kernels) or 'fp32_reference'");
}

const char* precision_name(Precision p) { return p == Precision::fast ? "fast" : "fp32_reference"; }

BoundModel::BoundModel(const py::object& path, int threads, const std::string& precision, int max_weight_level,
                       int batch_chunk)
    : path_(path_string(path)),
      model_(load_without_gil(path_, make_options(threads, precision, max_weight_level, batch_chunk))) {}

py::array_t<float> BoundModel::logits_for(int n, bool single) const {
  const py::ssize_t classes = model_.num_classes();
  return py::array_t<float>(single ? std::vector<py::ssize_t>{classes} : std::vector<py::ssize_t>{n, classes});
}

py::array_t<float> BoundModel::run(const py::object& images) {
  const FloatImages in = as_float_images(images);
  const ImageBatch b = check_nchw(in, model_.input_shape());
  py::array_t<float> out = logits_for(b.n, b.single);
  if (b.n == 0) return out;
  const float* src = in.data();
  float* dst = out.mutable_data();
  {  // `in` and `out` stay referenced, so their buffers outlive the released section
    py::gil_scoped_release release;
    model_.run(src, b.n, dst);
  }
  return out;
}

py::array_t<float> BoundModel::run_pixels(const py::object& pixels) {
  const PixelImages in = as_pixel_images(pixels);
  const ImageBatch b = check_nhwc(in, model_.input_shape());
  py::array_t<float> out = logits_for(b.n, b.single);
  if (b.n == 0) return out;
  const uint8_t* src = in.data();
  float* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    model_.run_pixels(src, b.n, dst);
  }
  return out;
}

std::string BoundModel::precision_name() const { return python::precision_name(model_.precision()); }

std::string BoundModel::repr() const {
  const auto s = model_.input_shape();
  return "ttq.Model(" + std::string(py::repr(py::str(path_))) + ", threads=" + std::to_string(model_.threads()) +
         ", precision='" + precision_name() + "')  # input (" + std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " +
         std::to_string(s[2]) + "), " + std::to_string(model_.num_classes()) + " classes";
}

void register_model(py::module_& m) {
  using namespace py::literals;
  py::class_<BoundModel>(m, "Model",
                         "A ttq model file loaded into the runtime (no LibTorch). Call it on normalized float32 "
                         "NCHW images to get float32 logits (N, num_classes).")
      .def(py::init<const py::object&, int, const std::string&, int, int>(), "path"_a, py::kw_only(), "threads"_a = 1,
           "precision"_a = "fast", "max_weight_level"_a = Options{}.max_weight_level,
           "batch_chunk"_a = Options{}.batch_chunk,
           "Loads a model file. threads: worker threads (>= 1); precision: 'fast' (u8 activations x ternary "
           "weights) or 'fp32_reference'; max_weight_level, batch_chunk: as ttq::Options (include/ttq/runtime.h).")
      .def("__call__", &BoundModel::run, "images"_a,
           "Logits of normalized images: float array (N, C, H, W) -> float32 (N, classes); one (C, H, W) image "
           "-> (classes,). Other dtypes and layouts are converted. Releases the GIL while it runs.")
      .def("run", &BoundModel::run, "images"_a, "The same as calling the model.")
      .def("run_pixels", &BoundModel::run_pixels, "pixels"_a,
           "Logits of raw uint8 pixels (N, H, W, C) or one (H, W, C) image, normalized with the file's mean/std.")
      .def("describe", [](const BoundModel& b) { return b.model().describe(); },
           "The compiled plan, one line per step (fusions, dtypes, kernels).")
      .def_property_readonly("input_shape",
                             [](const BoundModel& b) {
                               const auto s = b.model().input_shape();
                               return py::make_tuple(s[0], s[1], s[2]);
                             },
                             "(C, H, W) of one input image.")
      .def_property_readonly("num_classes", [](const BoundModel& b) { return b.model().num_classes(); })
      .def_property_readonly("precision", &BoundModel::precision_name, "'fast' or 'fp32_reference'.")
      .def_property_readonly("threads", [](const BoundModel& b) { return b.model().threads(); })
      .def_property_readonly("input_mean", [](const BoundModel& b) { return floats(b.model().input_mean()); },
                             "Per-channel mean the images were normalized with: (pixel / 255 - mean) / std.")
      .def_property_readonly("input_std", [](const BoundModel& b) { return floats(b.model().input_std()); })
      .def_property_readonly("path", &BoundModel::path)
      .def("__repr__", &BoundModel::repr);
}

}  // namespace ttq::python
