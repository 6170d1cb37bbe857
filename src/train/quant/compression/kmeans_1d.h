// Lloyd's k-means on scalars, with the linear initialisation Deep Compression found
// best (centroids evenly spaced between the smallest and the largest weight). Torch-free.
#pragma once

#include <cstdint>
#include <vector>

namespace ttq::train::compression {

struct KMeans1d {
  std::vector<float> centroids;     // ascending
  std::vector<int32_t> assignment;  // per value, index of its nearest centroid
  int iterations = 0;               // Lloyd steps run until the assignment stopped changing
};

// clusters >= 1. An empty input gives centroids all 0. A cluster that loses all its
// values keeps its centroid (it stays in order between its neighbours).
KMeans1d kmeans_1d(const std::vector<float>& values, int clusters, int max_iterations = 100);

// Index of the centroid nearest to v (ties go to the lower one); centroids ascending.
int32_t nearest_centroid(const std::vector<float>& centroids, float v);

}  // namespace ttq::train::compression
