#include "train/ptq/int8_math.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace ttq::train {
namespace {

// [C, rest] view of x for per-channel statistics.
torch::Tensor by_channel(const torch::Tensor& x) { return x.reshape({x.size(0), -1}); }

// Broadcast per-channel params [C] against x [C, ...].
torch::Tensor broadcast_to(const torch::Tensor& v, const torch::Tensor& x) {
  if (v.dim() == 0) return v;
  std::vector<int64_t> shape(size_t(x.dim()), 1);
  shape[0] = v.size(0);
  return v.view(shape);
}

}  // namespace

std::string Int8Scheme::name() const {
  return std::string(per_channel ? "per-channel" : "per-tensor") + (symmetric ? "-sym" : "-asym");
}

Int8Params int8_params_from_range(const torch::Tensor& min, const torch::Tensor& max, bool symmetric) {
  Int8Params p;
  const torch::Tensor lo = min.to(torch::kFloat32).clamp_max(0.0), hi = max.to(torch::kFloat32).clamp_min(0.0);
  if (symmetric) {
    p.scale = torch::maximum(hi, -lo) / 127.0;
    p.zero_point = torch::zeros(p.scale.sizes(), torch::dtype(torch::kInt64).device(p.scale.device()));
  } else {
    p.scale = (hi - lo) / 255.0;
  }
  // An all-zero tensor or channel: any scale reproduces it; 1 avoids 0 / 0.
  p.scale = torch::where(p.scale > 0, p.scale, torch::ones_like(p.scale));
  if (!symmetric) p.zero_point = (-lo / p.scale).round().clamp(0, 255).to(torch::kInt64);
  return p;
}

Int8Params int8_params(const torch::Tensor& x, const Int8Scheme& s) {
  torch::NoGradGuard no_grad;
  if (s.per_channel && x.dim() >= 1) {
    const torch::Tensor c = by_channel(x.detach());
    return int8_params_from_range(std::get<0>(c.min(1)), std::get<0>(c.max(1)), s.symmetric);
  }
  return int8_params_from_range(x.detach().min(), x.detach().max(), s.symmetric);
}

torch::Tensor int8_quantize(const torch::Tensor& x, const Int8Params& p, bool symmetric) {
  const torch::Tensor s = broadcast_to(p.scale, x), z = broadcast_to(p.zero_point, x);
  if (symmetric) return (x / s).round().clamp(-127, 127).to(torch::kInt64);
  return ((x / s).round() + z).clamp(0, 255).to(torch::kInt64);
}

torch::Tensor int8_dequantize(const torch::Tensor& q, const Int8Params& p) {
  return (q - broadcast_to(p.zero_point, q)).to(torch::kFloat32) * broadcast_to(p.scale, q);
}

torch::Tensor int8_fake_quant(const torch::Tensor& x, const Int8Params& p, bool symmetric) {
  torch::NoGradGuard no_grad;
  return int8_dequantize(int8_quantize(x.detach(), p, symmetric), p).to(x.dtype());
}

torch::Tensor fp16_round(const torch::Tensor& x) { return x.to(torch::kHalf).to(x.dtype()); }

double sqnr_db(const torch::Tensor& ref, const torch::Tensor& approx) {
  torch::NoGradGuard no_grad;
  const torch::Tensor r = ref.detach().to(torch::kFloat64), a = approx.detach().to(torch::kFloat64);
  const double signal = r.pow(2).sum().item<double>();
  const double noise = (r - a).pow(2).sum().item<double>();
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace ttq::train
