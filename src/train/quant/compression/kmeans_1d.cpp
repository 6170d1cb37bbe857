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

// In 1-D each cluster is a run of the sorted values, so one Lloyd step is k binary
// searches and k prefix-sum differences: O(k log n) instead of O(n) per step.
KMeans1d kmeans_1d(const std::vector<float>& values, int clusters, int max_iterations) {
  if (clusters < 1) throw ArgumentError("k-means needs at least one cluster");
  KMeans1d r;
  r.centroids.assign(static_cast<size_t>(clusters), 0.0f);
  r.assignment.assign(values.size(), -1);
  if (values.empty()) return r;
  std::vector<float> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const float lo = sorted.front(), hi = sorted.back();
  for (int k = 0; k < clusters; ++k)
    r.centroids[k] = clusters == 1 ? 0.5f * (lo + hi) : lo + (hi - lo) * float(k) / float(clusters - 1);
  std::vector<double> prefix(sorted.size() + 1, 0.0);
  for (size_t i = 0; i < sorted.size(); ++i) prefix[i + 1] = prefix[i] + sorted[i];

  // start[k]: index in `sorted` of cluster k's first value; start[clusters] = n.
  std::vector<size_t> start(static_cast<size_t>(clusters) + 1, 0), previous;
  start[clusters] = sorted.size();
  for (int it = 0; it < max_iterations; ++it) {
    for (int k = 1; k < clusters; ++k) {
      start[k] = size_t(std::partition_point(sorted.begin(), sorted.end(),
                                             [&](float v) { return nearest_centroid(r.centroids, v) < k; }) -
                        sorted.begin());
    }
    if (start == previous) break;
    previous = start;
    r.iterations = it + 1;
    for (int k = 0; k < clusters; ++k) {
      const size_t a = start[k], b = start[k + 1];
      if (b > a) r.centroids[k] = float((prefix[b] - prefix[a]) / double(b - a));
    }
  }
  for (size_t i = 0; i < values.size(); ++i) r.assignment[i] = nearest_centroid(r.centroids, values[i]);
  return r;
}

}  // namespace ttq::train::compression
