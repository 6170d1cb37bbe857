// The u8 quantization of each activation in the int8 QDQ export, from the calibration
// the model file carries (docs/ONNX.md): real = scale * (q - zero_point).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/model_file.h"

namespace ttq::onnx_export {

struct ActivationQuantization {
  float scale = 1.f;
  uint8_t zero_point = 0;
};

// The file keeps one number per activation, the largest value seen (calibration); the
// range each u8 covers follows from it and from who reads the activation:
// - never negative (a relu's output, and adds, concats, pools, flattens of such): 0 to
//   the largest value, zero point 0: the runtime's own u8 scale (calibration / 255);
// - the graph input: what normalized pixels 0..255 can be, (0 - mean) / std to
//   (1 - mean) / std over the channels;
// - read only by adds that a relu follows (a residual block's branch, a downsampling
//   block's shortcut): down to minus the largest value of the add's other input, below
//   which the sum is negative whatever that input is and the relu makes it 0, so cutting
//   there changes nothing;
// - anything else that may be negative: -largest .. +largest, zero point 128.
class ActivationQuantizer {
 public:
  explicit ActivationQuantizer(const format::ModelFile& m);
  // Throws FormatError naming the activation when the file has no calibration for it.
  ActivationQuantization operator()(const std::string& activation) const;

 private:
  float largest(const std::string& activation) const;
  const format::ModelFile& m_;
  std::map<std::string, bool> nonnegative_;
  std::map<std::string, std::vector<const format::Node*>> readers_;
};

}  // namespace ttq::onnx_export
