// What the bindings accept as images, checked against the model's input (C, H, W):
//   run():        floats, NCHW (N, C, H, W) or one image (C, H, W); any real dtype and
//                 layout, converted to C-contiguous float32 by numpy (a copy only when needed)
//   run_pixels(): uint8 only, NHWC (N, H, W, C) or one image (H, W, C), as image decoders
//                 give them (a float array here is almost surely normalized already)
// A wrong shape or dtype throws ShapeError / ArgumentError with one line naming what was
// given and what the model takes.
#pragma once

#include <array>
#include <cstdint>

#include <pybind11/numpy.h>

namespace ttq::python {

using FloatImages = pybind11::array_t<float, pybind11::array::c_style | pybind11::array::forcecast>;
using PixelImages = pybind11::array_t<uint8_t, pybind11::array::c_style>;

struct ImageBatch {
  int n = 0;            // images (0 for an empty batch)
  bool single = false;  // a 3-D input: one image, and the result has no batch axis
};

FloatImages as_float_images(const pybind11::object& images);
PixelImages as_pixel_images(const pybind11::object& pixels);

ImageBatch check_nchw(const FloatImages& images, const std::array<int, 3>& chw);
ImageBatch check_nhwc(const PixelImages& pixels, const std::array<int, 3>& chw);

}  // namespace ttq::python
