// Deep Compression stage 2 and 3: weight sharing by k-means, then Huffman coding.
//
// Built from the latent weights of a layer: weights exactly 0 are the pruned ones (the
// prune stage leaves them exactly 0, see prune_quantizer.h); the others are clustered
// into 2^bits clusters by 1-D k-means with linear initialisation. The assignment is a
// fixed buffer "assignment" (int64, the weight's shape, -1 where pruned); the centroids
// are the trainable parameter "centroids". Their gradient is the paper's sum of the
// gradients of each cluster's weights, or (the default) that sum divided by the
// cluster's size: the sum grows with the layer, and a ResNet-18 layer's clusters hold
// ~70,000 weights each, so the paper's learning rate diverged there (docs/BASELINES.md).
// The mean moves a centroid as far as a lone latent weight would move. Pruned weights stay 0.
#pragma once

#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

#include "train/quant/compression/shared_weight_codec.h"
#include "train/quant/weight_quantizer.h"

namespace ttq::train {

class KMeansQuantizerImpl : public WeightQuantizerImpl {
 public:
  enum class CentroidGradient { sum, mean };
  // bits in [1, 8]: 2^bits clusters.
  KMeansQuantizerImpl(const torch::Tensor& latent, int bits, CentroidGradient gradient = CentroidGradient::mean);
  torch::Tensor forward(const torch::Tensor& latent) override;
  std::string kind() const override { return "kmeans"; }
  nlohmann::json stats(const torch::Tensor& latent) override;
  // Both from the real coded buffer (encode()), not a formula.
  double bits_per_weight() const override;
  int64_t packed_bytes(const torch::Tensor& latent) override;

  // This layer as the coder sees it, and its coded bytes (shared_weight_codec.h).
  compression::SharedWeightLayer shared_weights() const;
  std::vector<uint8_t> encode() const;

  int bits;
  CentroidGradient gradient;
  torch::Tensor centroids;   // [2^bits], trainable
  torch::Tensor assignment;  // int64, the weight's shape; -1: pruned
};
TORCH_MODULE(KMeansQuantizer);

}  // namespace ttq::train
