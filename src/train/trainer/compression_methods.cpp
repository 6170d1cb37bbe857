#include "train/trainer/quant_methods.h"

namespace ttq::train {

std::optional<std::vector<std::string>> attach_compression_method(torch::nn::Module&, const QuantSelection&,
                                                                  const QuantConfig&) {
  return std::nullopt;  // no method yet
}

}  // namespace ttq::train
