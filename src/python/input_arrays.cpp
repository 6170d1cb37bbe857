#include "python/input_arrays.h"

#include <climits>
#include <string>

#include "common/error.h"

namespace py = pybind11;

namespace ttq::python {
namespace {

std::string tuple_text(const py::ssize_t* dims, py::ssize_t ndim) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < ndim; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (ndim == 1 ? ",)" : ")");
}

std::string dims_text(std::initializer_list<int> dims) {
  std::string s = "(";
  for (int d : dims) s += (s.size() > 1 ? ", " : "") + (d < 0 ? std::string("N") : std::to_string(d));
  return s + ")";
}

// (N, a, b, c) or (a, b, c) against `want` = {a, b, c}.
ImageBatch check_batch(const py::array& a, const std::array<int, 3>& want, const std::string& layout,
                       const std::string& expected, const std::string& hint) {
  const py::ssize_t ndim = a.ndim();
  const py::ssize_t* dims = a.shape();
  const py::ssize_t* image = ndim == 4 ? dims + 1 : dims;
  bool ok = ndim == 3 || ndim == 4;
  for (int i = 0; ok && i < 3; ++i) ok = image[i] == want[i];
  if (!ok) {
    throw ShapeError("images of shape " + tuple_text(dims, ndim) + " do not fit the model's input: it takes " +
                         layout + " " + expected,
                     hint);
  }
  if (ndim == 3) return {1, true};
  if (dims[0] > INT_MAX) throw ShapeError("a batch of " + std::to_string(dims[0]) + " images is too large", "split it");
  return {static_cast<int>(dims[0]), false};
}

bool is_uint8(const py::dtype& d) { return d.kind() == 'u' && d.itemsize() == 1; }

}  // namespace

FloatImages as_float_images(const py::object& images) {
  auto a = FloatImages::ensure(images);
  if (!a) {
    throw ArgumentError("images must be a numeric array, got " + std::string(Py_TYPE(images.ptr())->tp_name),
                        "pass a float32 numpy array (N, C, H, W), normalized");
  }
  return a;
}

PixelImages as_pixel_images(const py::object& pixels) {
  // No silent casts: uint8 only (floats would truncate, wider ints wrap around).
  const bool is_array = py::isinstance<py::array>(pixels);
  if (!is_array || !is_uint8(py::reinterpret_borrow<py::array>(pixels).dtype())) {
    const std::string got = is_array ? "dtype " + std::string(py::str(py::reinterpret_borrow<py::array>(pixels).dtype()))
                                     : std::string(Py_TYPE(pixels.ptr())->tp_name);
    throw ArgumentError("pixels must be a uint8 numpy array, got " + got,
                        "pass raw 0..255 pixels as .astype(numpy.uint8), or normalized floats to run()");
  }
  return PixelImages::ensure(pixels);  // C-contiguous (a copy only when it was not)
}

ImageBatch check_nchw(const FloatImages& images, const std::array<int, 3>& chw) {
  const auto [c, h, w] = chw;
  return check_batch(images, chw, "NCHW float32", dims_text({-1, c, h, w}) + " or one image " + dims_text({c, h, w}),
                     "reshape or transpose the images to N x C x H x W");
}

ImageBatch check_nhwc(const PixelImages& pixels, const std::array<int, 3>& chw) {
  const auto [c, h, w] = chw;
  return check_batch(pixels, {h, w, c}, "NHWC uint8", dims_text({-1, h, w, c}) + " or one image " + dims_text({h, w, c}),
                     c == 1 ? "add the channel axis: pixels[..., None]" : "reshape or transpose the pixels to N x H x W x C");
}

}  // namespace ttq::python
