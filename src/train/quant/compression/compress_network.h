// A Deep Compression network (k-means quantizers attached) as the entries of the
// compressed model file: coded shared weights for its k-means layers, fp32 for the rest.
#pragma once

#include <vector>

#include "train/quant/compression/compressed_model_file.h"

namespace ttq::train {

class Network;

// Throws ArgumentError when the network has no k-means layer or a layer with another quantizer.
std::vector<compression::CompressedEntry> compress_network(Network& net);

}  // namespace ttq::train
