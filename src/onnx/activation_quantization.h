// The u8 quantization of each activation in the int8 QDQ export, from the calibration
// the model file carries (docs/ONNX.md): real = scale * (q - zero_point).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "format/graph_shapes.h"
#include "format/model_file.h"

namespace ttq::onnx_export {

struct ActivationQuantization {
  float scale = 1.f;
  uint8_t zero_point = 0;
};

// The file keeps one number per activation, the largest value seen (calibration), not the
// smallest. Each u8 range runs from a low end to that largest value:
// - never negative (a relu's output, and adds, concats, pools, flattens of such): 0, with
//   zero point 0: the runtime's own u8 scale (calibration / 255);
// - the graph input: what normalized pixels 0..255 can be, (0 - mean) / std to
//   (1 - mean) / std over the channels;
// - may be negative: the lowest value that still changes something downstream, found from
//   what its readers do with it (below it the result is the same wherever values are cut):
//     an add that a relu follows: minus the largest value of the add's other input (the
//       sum is negative whatever that input is, and the relu makes it 0);
//     a batch norm y = s * x + b: for s > 0 with a relu after it, -b / s (y <= 0 below);
//       for s < 0, (largest y - b) / s, the smallest x seen (its largest y was seen);
//     a relu: 0; a concat: what its readers need of those channels; a max pool: what its
//       readers need (a window's max below that bound matters to no one);
//   one channel's bound per channel, the lowest over channels and readers;
// - otherwise (a reader that uses every value: a conv, a pool, the graph output, ...): as
//   far below zero as the largest value is above it, zero point 128.
class ActivationQuantizer {
 public:
  explicit ActivationQuantizer(const format::ModelFile& m);
  // Throws FormatError naming the activation when the file has no calibration for it.
  ActivationQuantization operator()(const std::string& activation) const;

 private:
  float largest(const std::string& activation) const;
  // Per channel, the lowest value of `activation` that matters to its readers; empty when
  // some reader may need any value.
  const std::vector<float>& lowest_that_matters(const std::string& activation) const;
  std::vector<float> lowest_for_reader(const std::string& activation, const format::Node& reader) const;

  const format::ModelFile& m_;
  std::map<std::string, bool> nonnegative_;
  std::map<std::string, std::vector<const format::Node*>> readers_;
  std::map<std::string, format::ActivationShape> shapes_;
  mutable std::map<std::string, std::vector<float>> lowest_;  // memo of lowest_that_matters
};

}  // namespace ttq::onnx_export
