// Test fixtures for the runtime: small random model files built with GraphBuilder,
// and a naive direct NCHW implementation of the graph (the tests' oracle).
#pragma once

#include <map>
#include <random>
#include <string>
#include <vector>

#include "format/model_file.h"

namespace ttq::runtime_test {

// Every activation of a naive NCHW run: name -> values [N, C, H, W].
using Activations = std::map<std::string, std::vector<float>>;

// Direct NCHW evaluation in double accumulators, weights dequantized to +wp/0/-wn.
Activations naive_forward(const format::ModelFile& m, const std::vector<float>& input_nchw, int batch);

// ResNet-like: fp32 stem conv+bn+relu, identity block (conv-bn-relu-conv-bn-add-relu),
// downsampling block (stride-2 conv, 1x1 stride-2 shortcut conv+bn), maxpool,
// global_avgpool, flatten, fp32 linear. Ternary convs unless all_fp32.
format::ModelFile make_resnet_like(uint32_t seed, bool all_fp32 = false);
// An ImageNet-style stem on 3x32x32: fp32 conv 7x7 stride 2 (K = 147) + bn + relu, max-pool
// 3x3 stride 2 pad 1 into an identity block (ternary convs, the pooled map as residual),
// global_avgpool, flatten, fp32 linear. int8_stem marks the first conv int8.
format::ModelFile make_imagenet_stem_like(uint32_t seed, bool int8_stem = false);
// Other ops: standalone batchnorm + relu, concat, avgpool, grouped ternary conv,
// flatten of a spatial map into a ternary linear, a final fp32 linear.
format::ModelFile make_mixed(uint32_t seed);
// An fp32 conv + relu (inputs with a positive mean) into a ternary 3x3 conv 16 -> 16
// whose output is the graph's, with Wn = Wp * wn_over_wp. Input 3x10x10.
format::ModelFile make_ternary_on_relu(uint32_t seed, float wn_over_wp);
// CIFAR ResNet-(6n+2) with random ternary weights (n = 3: ResNet-20), 3x32x32 input.
format::ModelFile make_cifar_resnet(int blocks_per_stage, uint32_t seed);

// Fills calibration with the max of every activation over `images` random inputs, and
// calibration_mean with the per-channel means of the inputs of ternary layers.
void calibrate(format::ModelFile* m, int images, uint32_t seed);

std::vector<float> random_input(const format::ModelFile& m, int batch, uint32_t seed);
int64_t input_size(const format::ModelFile& m);

}  // namespace ttq::runtime_test
