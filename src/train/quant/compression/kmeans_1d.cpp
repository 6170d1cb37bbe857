#include "train/quant/compression/kmeans_1d.h"

#include <algorithm>

#include "common/error.h"

namespace ttq::train::compression {

int32_t nearest_centroid(const std::vector<float>& c, float v) {
  // First centroid >= v, then compare with its left neighbour.
  const auto it = std::lower_bound(c.begin(), c.end(), v);
  if (it == c.begin()) return 0;
  if (it == c.end()) return int32_t(c.size() - 1);
  const int32_t hi = int32_t(it - c.begin());
  return (v - c[hi - 1] <= c[hi] - v) ? hi - 1 : hi;
}

KMeans1d kmeans_1d(const std::vector<float>& values, int clusters, int max_iterations) {
  if (clusters < 1) throw ArgumentError("k-means needs at least one cluster");
  KMeans1d r;
  r.centroids.assign(size_t(clusters), 0.0f);
  r.assignment.assign(values.size(), -1);
  if (values.empty()) return r;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  for (int k = 0; k < clusters; ++k)
    r.centroids[k] = clusters == 1 ? 0.5f * (*lo + *hi) : *lo + (*hi - *lo) * float(k) / float(clusters - 1);

  std::vector<double> sum(static_cast<size_t>(clusters), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(clusters), 0);
  for (int it = 0; it < max_iterations; ++it) {
    bool changed = false;
    for (size_t i = 0; i < values.size(); ++i) {
      const int32_t a = nearest_centroid(r.centroids, values[i]);
      changed = changed || a != r.assignment[i];
      r.assignment[i] = a;
    }
    if (!changed) break;
    r.iterations = it + 1;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (size_t i = 0; i < values.size(); ++i) {
      sum[r.assignment[i]] += values[i];
      ++count[r.assignment[i]];
    }
    for (int k = 0; k < clusters; ++k)
      if (count[k] > 0) r.centroids[k] = float(sum[k] / double(count[k]));
  }
  return r;
}

}  // namespace ttq::train::compression
