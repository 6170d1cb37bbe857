// Small valid model files for the format tests and the fuzzer.
#pragma once

#include <cstdint>

#include "format/model_file.h"

namespace ttq::format::testing {

// A random small network (conv2d + batchnorm + relu, residual blocks with add,
// global_avgpool, flatten, linear) with a random mix of fp32, ternary2 and
// ternary1.6 weights, optional conv scale/bias, calibration, mean/std and info.
// Same seed, same model.
ModelFile random_model(uint32_t seed);

}  // namespace ttq::format::testing
