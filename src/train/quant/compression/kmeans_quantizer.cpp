#include "train/quant/compression/kmeans_quantizer.h"

#include <torch/torch.h>

#include "common/error.h"
#include "train/quant/compression/kmeans_1d.h"

namespace ttq::train {

KMeansQuantizerImpl::KMeansQuantizerImpl(const torch::Tensor& latent, int b, CentroidGradient g) : bits(b), gradient(g) {
  if (bits < 1 || bits > 8)
    throw ArgumentError("k-means needs 1 to 8 bits per index, not " + std::to_string(bits), "use --weight-bits 1..8");
  torch::NoGradGuard no_grad;
  const torch::Tensor flat = latent.detach().flatten().to(torch::kCPU, torch::kFloat32).contiguous();
  const float* w = flat.data_ptr<float>();
  std::vector<float> survivors;
  std::vector<int64_t> positions;
  for (int64_t i = 0; i < flat.numel(); ++i) {
    if (w[i] == 0.0f) continue;  // pruned
    survivors.push_back(w[i]);
    positions.push_back(i);
  }
  const compression::KMeans1d km = compression::kmeans_1d(survivors, 1 << bits);
  torch::Tensor assign = torch::full({flat.numel()}, -1, torch::kInt64);
  auto* a = assign.data_ptr<int64_t>();
  for (size_t j = 0; j < positions.size(); ++j) a[positions[j]] = km.assignment[j];
  const auto opts = latent.options().dtype(torch::kFloat32).requires_grad(false);
  centroids = register_parameter("centroids", torch::tensor(km.centroids).to(opts.device()));
  assignment = register_buffer("assignment", assign.view(latent.sizes()).to(latent.device()));
}

torch::Tensor KMeansQuantizerImpl::forward(const torch::Tensor& latent) {
  const torch::Tensor kept = assignment >= 0;
  torch::Tensor values = centroids;
  if (gradient == CentroidGradient::mean) {
    // Same values, gradient scaled by 1 / cluster size. Counted here rather than at
    // construction because --resume loads the assignment after the quantizer is built.
    const torch::Tensor sizes = assignment.masked_select(kept).bincount({}, centroids.numel());
    const torch::Tensor scaled = centroids / sizes.clamp_min(1).to(centroids.dtype());
    values = scaled + (centroids - scaled).detach();
  }
  const torch::Tensor shared = values.index_select(0, assignment.clamp_min(0).flatten()).view(assignment.sizes());
  return torch::where(kept, shared, torch::zeros({}, shared.options())).to(latent.dtype());
}

compression::SharedWeightLayer KMeansQuantizerImpl::shared_weights() const {
  torch::NoGradGuard no_grad;
  compression::SharedWeightLayer l;
  const torch::Tensor c = centroids.detach().to(torch::kCPU).contiguous();
  l.centroids.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  const torch::Tensor a = assignment.to(torch::kCPU, torch::kInt32).contiguous();
  l.assignment.assign(a.data_ptr<int32_t>(), a.data_ptr<int32_t>() + a.numel());
  return l;
}

std::vector<uint8_t> KMeansQuantizerImpl::encode() const { return compression::encode_shared_weights(shared_weights()); }

double KMeansQuantizerImpl::bits_per_weight() const {
  const int64_t n = assignment.numel();
  return n ? 8.0 * double(encode().size()) / double(n) : 0.0;
}

int64_t KMeansQuantizerImpl::packed_bytes(const torch::Tensor&) { return int64_t(encode().size()); }

nlohmann::json KMeansQuantizerImpl::stats(const torch::Tensor&) {
  const int64_t kept = (assignment >= 0).sum().item<int64_t>();
  const std::vector<uint8_t> coded = encode();
  return {{"kind", "kmeans"},
          {"clusters", centroids.numel()},
          {"kept", kept},
          {"total", assignment.numel()},
          {"sparsity", assignment.numel() ? 1.0 - double(kept) / double(assignment.numel()) : 0.0},
          {"coded_bytes", coded.size()},
          {"bits_per_weight", assignment.numel() ? 8.0 * double(coded.size()) / double(assignment.numel()) : 0.0}};
}

}  // namespace ttq::train
