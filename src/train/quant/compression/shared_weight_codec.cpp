#include "train/quant/compression/shared_weight_codec.h"

#include <string>

#include "common/error.h"
#include "train/quant/compression/huffman.h"

namespace ttq::train::compression {

std::vector<uint8_t> encode_shared_weights(const SharedWeightLayer& layer) {
  const size_t clusters = layer.centroids.size();
  if (clusters == 0 || clusters > 256) throw ArgumentError("a shared-weight layer needs 1 to 256 centroids");
  std::vector<uint8_t> gaps, indices;
  uint64_t run = 0;
  for (int32_t a : layer.assignment) {
    if (a < 0) {
      ++run;
      continue;
    }
    if (size_t(a) >= clusters) throw ArgumentError("cluster index " + std::to_string(a) + " out of range");
    for (; run >= kGapEscape; run -= kGapEscape) gaps.push_back(kGapEscape);
    gaps.push_back(uint8_t(run));
    indices.push_back(uint8_t(a));
    run = 0;
  }
  std::vector<uint8_t> out;
  put_u32(out, uint32_t(layer.assignment.size()));
  put_u16(out, uint16_t(clusters));
  for (float c : layer.centroids) put_f32(out, c);
  huffman_encode(gaps, out);
  huffman_encode(indices, out);
  return out;
}

SharedWeightLayer decode_shared_weights(const uint8_t* data, size_t size) {
  size_t pos = 0;
  const uint32_t n = get_u32(data, size, pos);
  const uint16_t clusters = get_u16(data, size, pos);
  if (clusters == 0 || clusters > 256) throw FormatError("shared-weight layer has " + std::to_string(clusters) + " clusters");
  SharedWeightLayer layer;
  for (int k = 0; k < clusters; ++k) layer.centroids.push_back(get_f32(data, size, pos));
  const std::vector<uint8_t> gaps = huffman_decode(data, size, pos);
  const std::vector<uint8_t> indices = huffman_decode(data, size, pos);
  if (pos != size) throw FormatError("shared-weight layer has " + std::to_string(size - pos) + " bytes after its streams");
  layer.assignment.assign(n, -1);
  uint64_t next = 0;  // position of the next weight
  size_t survivor = 0;
  for (uint8_t g : gaps) {
    next += g;
    if (g == kGapEscape) continue;
    if (next >= n || survivor >= indices.size())
      throw FormatError("shared-weight layer's positions run past its " + std::to_string(n) + " weights");
    if (indices[survivor] >= clusters) throw FormatError("shared-weight layer has a cluster index beyond its codebook");
    layer.assignment[next++] = indices[survivor++];
  }
  if (survivor != indices.size())
    throw FormatError("shared-weight layer has " + std::to_string(indices.size()) + " cluster indices but " +
                      std::to_string(survivor) + " positions");
  return layer;
}

std::vector<float> dense_weights(const SharedWeightLayer& layer) {
  std::vector<float> w(layer.assignment.size(), 0.0f);
  for (size_t i = 0; i < w.size(); ++i)
    if (layer.assignment[i] >= 0) w[i] = layer.centroids[size_t(layer.assignment[i])];
  return w;
}

}  // namespace ttq::train::compression
