#include "train/trainer/quant_methods.h"

namespace ttq::train {

std::optional<std::vector<std::string>> attach_qat_baseline(torch::nn::Module&, const QuantSelection&,
                                                            const QuantConfig&) {
  return std::nullopt;  // no baseline yet
}

}  // namespace ttq::train
