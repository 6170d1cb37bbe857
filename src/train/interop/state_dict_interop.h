// A network's weights as a PyTorch state dict, both ways. The zoo's parameter names
// are torchvision's (resnet18, resnet34, densenet121) or the zoo's own, so a state
// dict from torchvision loads as it is, and one written here loads into torchvision.
#pragma once

#include "format/state_dict_file.h"

namespace ttq::train {

class Network;

// Copies `state` into the network's parameters and buffers (any floating dtype into
// floating ones, integers into integer buffers). Strict, like PyTorch's
// load_state_dict(strict=True): every missing, unexpected or mis-shaped tensor is
// reported by name in one FormatError (naming `origin`), and nothing is copied then.
// A missing BatchNorm num_batches_tracked is allowed, as PyTorch allows it (files
// from before it existed); it is then 0.
void load_state_dict(Network& net, const format::StateDict& state, const std::string& origin);

// PyTorch's DataParallel saves every name with a "module." prefix; when all names
// carry it, it is dropped (as torch.nn.modules.utils.consume_prefix_in_state_dict_if_present).
// Returns whether it was.
bool drop_data_parallel_prefix(format::StateDict& state);

// The network as a plain PyTorch model holds it, in PyTorch's state_dict order (per
// module: parameters, then buffers): a quantized layer's weight is the weight it
// computes with (TTQ: exactly -Wn, 0 or +Wp), the quantizers' own parameters
// (Wp, Wn, ...) are left out, BatchNorm stays unfolded. Throws ArgumentError when a
// layer quantizes its input activations, which a plain model cannot express.
format::StateDict network_state_dict(Network& net);

}  // namespace ttq::train
