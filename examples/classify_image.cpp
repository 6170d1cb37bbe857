// Classifies one image with a ttq model file, using only the runtime's public API.
//
//   classify_image MODEL.ttq IMAGE.(png|jpg|pgm|...) [--threads N] [--reference] [--labels FILE]
//
// The image is decoded with stb_image, resized (nearest neighbour) to the model's
// input size, normalized with the mean/std stored in the model file, and the top-5
// classes are printed with their softmax probabilities.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "common/error.h"
#include "ttq/runtime.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: classify_image MODEL IMAGE [--threads N] [--reference] [--labels FILE]\n");
  return 2;
}

// Nearest-neighbour resize of interleaved pixels.
std::vector<uint8_t> resize_nearest(const uint8_t* src, int sw, int sh, int channels, int dw, int dh) {
  std::vector<uint8_t> out(static_cast<size_t>(dw) * dh * channels);
  for (int y = 0; y < dh; ++y) {
    const int sy = std::min(sh - 1, static_cast<int>((y + 0.5) * sh / dh));
    for (int x = 0; x < dw; ++x) {
      const int sx = std::min(sw - 1, static_cast<int>((x + 0.5) * sw / dw));
      std::copy_n(src + (static_cast<size_t>(sy) * sw + sx) * channels, channels, out.data() + (static_cast<size_t>(y) * dw + x) * channels);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string model_path = argv[1], image_path = argv[2];
  ttq::Options options;
  std::string labels_path;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      options.threads = std::atoi(argv[++i]);
    } else if (a == "--reference") {
      options.precision = ttq::Precision::fp32_reference;
    } else if (a == "--labels" && i + 1 < argc) {
      labels_path = argv[++i];
    } else {
      return usage();
    }
  }
  try {
    ttq::Model model = ttq::Model::load(model_path, options);
    const auto shape = model.input_shape();  // C, H, W
    if (shape[0] != 1 && shape[0] != 3) {
      throw ttq::ArgumentError("the model takes " + std::to_string(shape[0]) + "-channel input", "this example handles 1 (gray) or 3 (RGB) channels");
    }
    int w = 0, h = 0, n = 0;
    uint8_t* pixels = stbi_load(image_path.c_str(), &w, &h, &n, shape[0]);  // converted to the model's channel count
    if (pixels == nullptr) {
      throw ttq::FileError("cannot decode image '" + image_path + "': " + stbi_failure_reason(), "pass a PNG, JPEG, BMP, GIF or PGM/PPM file");
    }
    const std::vector<uint8_t> input = resize_nearest(pixels, w, h, shape[0], shape[2], shape[1]);
    stbi_image_free(pixels);

    const std::vector<float> logits = model.run_pixels(input.data(), 1);
    const float top = *std::max_element(logits.begin(), logits.end());
    std::vector<double> prob(logits.size());
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) sum += prob[i] = std::exp(static_cast<double>(logits[i]) - top);
    std::vector<int> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) { return prob[a] > prob[b]; });

    std::vector<std::string> labels;
    if (!labels_path.empty()) {
      std::ifstream in(labels_path);
      if (!in) throw ttq::FileError("cannot read labels file '" + labels_path + "'", "pass a text file with one class name per line");
      for (std::string line; std::getline(in, line);) labels.push_back(line);
    }
    std::printf("%s (%dx%d, resized to %dx%d), %s\n", image_path.c_str(), w, h, shape[2], shape[1],
                options.precision == ttq::Precision::fast ? "fast path" : "fp32 reference path");
    for (size_t i = 0; i < k; ++i) {
      const int c = order[i];
      const std::string name = c < static_cast<int>(labels.size()) ? labels[c] : "class " + std::to_string(c);
      std::printf("  %6.2f%%  %s\n", 100.0 * prob[c] / sum, name.c_str());
    }
    return 0;
  } catch (const ttq::UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.one_line().c_str());
    return 2;
  }
}
