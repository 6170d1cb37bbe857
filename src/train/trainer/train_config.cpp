#include "train/trainer/train_config.h"

namespace ttq::train {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuantConfig, method, threshold_mode, t, sparsity, init, wn_grad_sign,
                                                quantize_first_conv, quantize_last_fc, exclude, weight_decay_on_scales,
                                                latent_grad_scale,
                                                weight_bits, act_bits, prune_fraction, centroid_grad)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, model, dataset, data_path, num_classes, epochs, batch_size,
                                                optimizer, lr, momentum, nesterov, weight_decay, schedule, milestones,
                                                gamma, warmup_epochs, pad, hflip, workers, train_limit, test_limit,
                                                threads, device, seed, quant, init_checkpoint)

nlohmann::json TrainConfig::to_json() const { return *this; }
TrainConfig TrainConfig::from_json(const nlohmann::json& j) { return j.get<TrainConfig>(); }

}  // namespace ttq::train
