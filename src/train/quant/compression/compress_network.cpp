#include "train/quant/compression/compress_network.h"

#include <torch/torch.h>

#include <set>

#include "common/error.h"
#include "train/models/network.h"
#include "train/models/quant_layers.h"
#include "train/quant/compression/kmeans_quantizer.h"

namespace ttq::train {
namespace {

compression::CompressedEntry raw_entry(const std::string& name, const torch::Tensor& t) {
  compression::CompressedEntry e;
  e.name = name;
  e.kind = compression::EntryKind::raw_fp32;
  e.shape = t.sizes().vec();
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const auto* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
  e.bytes.assign(p, p + 4 * c.numel());
  return e;
}

bool is_quantizer_state(const std::string& name) {
  return name.find("quant.") != std::string::npos || name.find("act_quant.") != std::string::npos;
}

}  // namespace

std::vector<compression::CompressedEntry> compress_network(Network& net) {
  torch::NoGradGuard no_grad;
  std::vector<compression::CompressedEntry> entries;
  std::set<std::string> coded;
  for (const NamedLayer& l : quantizable_layers(net)) {
    if (!l.layer->quantizer()) continue;
    auto km = std::dynamic_pointer_cast<KMeansQuantizerImpl>(l.layer->quantizer());
    if (!km)
      throw ArgumentError("layer '" + l.name + "' has a " + l.layer->quantizer()->kind() + " quantizer, not k-means",
                          "compress a checkpoint of `ttq quantize --quant kmeans`");
    compression::CompressedEntry e;
    e.name = l.name + ".weight";
    e.kind = compression::EntryKind::shared_weights;
    e.shape = l.layer->weight.sizes().vec();
    e.bytes = km->encode();
    coded.insert(e.name);
    entries.push_back(std::move(e));
  }
  if (coded.empty())
    throw ArgumentError("the checkpoint has no k-means layers to code",
                        "run `ttq quantize --quant kmeans --from <pruned run>` first");
  for (const auto& p : net.named_parameters())
    if (!is_quantizer_state(p.key()) && !coded.count(p.key())) entries.push_back(raw_entry(p.key(), p.value()));
  for (const auto& b : net.named_buffers()) {
    const std::string& name = b.key();
    if (is_quantizer_state(name) || name.find("num_batches_tracked") != std::string::npos) continue;
    entries.push_back(raw_entry(name, b.value()));
  }
  return entries;
}

}  // namespace ttq::train
