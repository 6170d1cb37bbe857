// Checks that a ModelFile is self-consistent: what the loader runs on every file it
// reads and the saver on every model before writing it. Torch-free.
#pragma once

#include "format/model_file.h"

namespace ttq::format {

// Throws FormatError or ShapeError naming the tensor, node or key at fault if:
//  - the graph's shapes do not fit (see infer_shapes), or num_classes is not the
//    element count of the graph output;
//  - input_mean / input_std do not have one finite value per input channel, std > 0;
//  - a calibration entry names an unknown activation or is not finite and > 0;
//  - a tensor's data does not match its shape and encoding (fp32 values finite,
//    ternary codes in {-1, 0, +1}, wp and wn finite);
//  - a conv2d / linear node lacks <name>.weight of shape [O, I/groups, kh, kw] /
//    [out, in] (fp32 or ternary), has a <name>.scale or <name>.bias that is not fp32
//    of length O, a batchnorm node lacks fp32 <name>.scale and <name>.bias [C];
//  - a tensor is used by no node.
// `graph_checked`: m.graph came from Graph::from_json, whose checks need not run again.
void validate_model(const ModelFile& m, bool graph_checked = false);

}  // namespace ttq::format
