// Deep Compression stage 2 and 3: weight sharing by k-means, then Huffman coding.
//
// Built from the latent weights of a layer: weights exactly 0 are the pruned ones (the
// prune stage leaves them exactly 0, see prune_quantizer.h); the others are clustered
// into 2^bits clusters by 1-D k-means with linear initialisation. The assignment is a
// fixed buffer "assignment" (int64, the weight's shape, -1 where pruned); the centroids
// are the trainable parameter "centroids", so autograd sums the gradients of the
// weights of each cluster, as the paper's fine-tuning does. Pruned weights stay 0.
#pragma once

#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

#include "train/quant/compression/shared_weight_codec.h"
#include "train/quant/weight_quantizer.h"

namespace ttq::train {

class KMeansQuantizerImpl : public WeightQuantizerImpl {
 public:
  // bits in [1, 8]: 2^bits clusters.
  KMeansQuantizerImpl(const torch::Tensor& latent, int bits);
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
  torch::Tensor centroids;   // [2^bits], trainable
  torch::Tensor assignment;  // int64, the weight's shape; -1: pruned
};
TORCH_MODULE(KMeansQuantizer);

}  // namespace ttq::train
