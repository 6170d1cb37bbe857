// From a trained network to a ttq model file: the graph the model describes,
// quantized layers as ternary codes + Wp/Wn, everything else fp32, BatchNorm as
// per-channel scale/bias, and activation calibration from training images.
#pragma once

#include <string>

#include "data/dataset.h"
#include "format/model_file.h"
#include "train/trainer/checkpoint.h"
#include "train/trainer/normalization.h"

namespace ttq::train {

class Network;

struct ExportOptions {
  format::Encoding ternary_encoding = format::Encoding::ternary2;
  int calibration_images = 512;  // first N training images, no augmentation
  int batch_size = 128;
};

struct ExportResult {
  format::ModelFile model;
  double graph_max_abs_diff = 0;  // graph executor vs network forward on the calibration images
};

// Throws FormatError if the network's graph does not reproduce its forward (a bug
// in a model's describe()), ShapeError if the data does not fit the network.
ExportResult export_model(Network& net, const CheckpointMeta& meta, const data::Dataset& calibration,
                          const Normalization& norm, const ExportOptions& options);

}  // namespace ttq::train
