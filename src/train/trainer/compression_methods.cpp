// Deep Compression's training stages as --quant methods (see src/train/quant/compression).
#include <torch/torch.h>

#include "common/error.h"
#include "train/quant/compression/kmeans_quantizer.h"
#include "train/quant/compression/prune_quantizer.h"
#include "train/trainer/quant_methods.h"

namespace ttq::train {

std::optional<std::vector<std::string>> attach_compression_method(torch::nn::Module& net, const QuantSelection& sel,
                                                                  const QuantConfig& quant) {
  if (quant.method == "prune") {
    if (!(quant.prune_fraction >= 0.0 && quant.prune_fraction < 1.0))
      throw ArgumentError("--prune must be in [0, 1), not " + std::to_string(quant.prune_fraction),
                          "the paper prunes 0.5 to 0.9 of a conv layer");
    return attach_quantizers(net, sel, [&](const NamedLayer& l) {
      auto q = std::make_shared<PruneQuantizerImpl>(l.layer->weight, quant.prune_fraction);
      // Zero the pruned latent weights: they then stay exactly 0 during retraining
      // and mark the pruned positions for the k-means stage (prune_quantizer.h).
      torch::NoGradGuard no_grad;
      l.layer->weight.mul_(q->mask);
      return q;
    });
  }
  if (quant.method == "kmeans") {
    if (quant.weight_bits < 1 || quant.weight_bits > 8)
      throw ArgumentError("--weight-bits must be 1..8 for kmeans, not " + std::to_string(quant.weight_bits));
    if (quant.centroid_grad != "mean" && quant.centroid_grad != "sum")
      throw ArgumentError("--centroid-grad must be mean or sum, not '" + quant.centroid_grad + "'");
    const auto gradient = quant.centroid_grad == "sum" ? KMeansQuantizerImpl::CentroidGradient::sum
                                                       : KMeansQuantizerImpl::CentroidGradient::mean;
    return attach_quantizers(net, sel, [&](const NamedLayer& l) {
      return std::make_shared<KMeansQuantizerImpl>(l.layer->weight, quant.weight_bits, gradient);
    });
  }
  return std::nullopt;
}

}  // namespace ttq::train
