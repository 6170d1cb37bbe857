#include "train/distributed/sync_batchnorm.h"

#include <atomic>

#include <torch/library.h>
#include <torch/torch.h>

namespace ttq::train::dist {
namespace {

// The mode key: unused by LibTorch itself (1.13 and 2.x), so claiming it is safe.
constexpr auto kSyncBnKey = c10::DispatchKey::TESTING_ONLY_GenericMode;

// Backward may run on an autograd worker thread (CUDA), hence a global, not thread_local.
std::atomic<Communicator*> g_comm{nullptr};

std::vector<int64_t> reduce_dims(const torch::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

std::vector<int64_t> channel_shape(const torch::Tensor& x) {
  std::vector<int64_t> s(size_t(x.dim()), 1);
  s[1] = x.size(1);
  return s;
}

class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, torch::Tensor running_mean,
                               torch::Tensor running_var, double momentum, double eps) {
    Communicator& comm = *g_comm.load();
    const auto dims = reduce_dims(x);
    const auto shape = channel_shape(x);
    const int64_t channels = x.size(1);
    const auto xf = x.to(torch::kFloat);
    // Sums in double: var = E[x^2] - mean^2 cancels badly in float when |mean| >> std.
    auto stats = torch::cat({xf.sum(dims, false, torch::kDouble), (xf * xf).sum(dims, false, torch::kDouble),
                             torch::full({1}, double(x.numel() / channels), xf.options().dtype(torch::kDouble))});
    comm.allreduce_sum(stats, "sync batch-norm statistics");
    const double count = stats[2 * channels].item<double>();
    const auto mean_d = stats.narrow(0, 0, channels) / count;
    const auto var_d = (stats.narrow(0, channels, channels) / count - mean_d * mean_d).clamp_min(0);
    const auto mean = mean_d.to(torch::kFloat);
    const auto var = var_d.to(torch::kFloat);
    const auto invstd = (var_d + eps).rsqrt().to(torch::kFloat);
    const auto xhat = (xf - mean.view(shape)) * invstd.view(shape);
    auto y = xhat;
    if (weight.defined()) y = y * weight.view(shape);
    if (bias.defined()) y = y + bias.view(shape);
    if (running_mean.defined()) {
      torch::NoGradGuard no_grad;
      running_mean.mul_(1 - momentum).add_(mean * momentum);
      running_var.mul_(1 - momentum).add_(var * (count / std::max(1.0, count - 1)) * momentum);
    }
    ctx->save_for_backward({xhat, weight, invstd});
    ctx->saved_data["count"] = count;
    ctx->saved_data["has_bias"] = bias.defined();
    return y.to(x.scalar_type());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    Communicator& comm = *g_comm.load();
    const auto saved = ctx->get_saved_variables();
    const auto& xhat = saved[0];
    const auto& weight = saved[1];
    const auto& invstd = saved[2];
    const double count = ctx->saved_data["count"].toDouble();
    const auto dy = grad_out[0].to(torch::kFloat);
    const auto dims = reduce_dims(dy);
    const auto shape = channel_shape(dy);
    const int64_t channels = dy.size(1);
    const auto sum_dy = dy.sum(dims, false, torch::kDouble);
    const auto sum_dy_xhat = (dy * xhat).sum(dims, false, torch::kDouble);
    auto global = torch::cat({sum_dy, sum_dy_xhat});
    comm.allreduce_sum(global, "sync batch-norm gradients");
    const auto mean_dy = (global.narrow(0, 0, channels) / count).to(torch::kFloat);
    const auto mean_dy_xhat = (global.narrow(0, channels, channels) / count).to(torch::kFloat);
    auto scale = invstd;
    if (weight.defined()) scale = scale * weight;
    auto dx = scale.view(shape) * (dy - mean_dy.view(shape) - xhat * mean_dy_xhat.view(shape));
    // Parameter gradients stay local: the gradient allreduce averages them like any other.
    torch::Tensor dweight, dbias;
    if (weight.defined()) dweight = sum_dy_xhat.to(weight.scalar_type());
    if (ctx->saved_data["has_bias"].toBool()) dbias = sum_dy.to(weight.defined() ? weight.scalar_type() : torch::kFloat);
    return {dx.to(grad_out[0].scalar_type()), dweight, dbias, torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

at::Tensor batch_norm_in_mode(const at::Tensor& input, const c10::optional<at::Tensor>& weight,
                              const c10::optional<at::Tensor>& bias, const c10::optional<at::Tensor>& running_mean,
                              const c10::optional<at::Tensor>& running_var, bool training, double momentum, double eps,
                              bool cudnn_enabled) {
  c10::impl::ExcludeDispatchKeyGuard plain(kSyncBnKey);
  Communicator* comm = g_comm.load();
  if (!training || comm == nullptr || comm->world_size() == 1) {
    return at::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled);
  }
  auto opt = [](const c10::optional<at::Tensor>& t) { return t.has_value() ? *t : at::Tensor(); };
  return SyncBatchNormFunction::apply(input, opt(weight), opt(bias), opt(running_mean), opt(running_var), momentum,
                                      eps);
}

}  // namespace

TORCH_LIBRARY_IMPL(_, TESTING_ONLY_GenericMode, m) { m.fallback(torch::CppFunction::makeFallthrough()); }
TORCH_LIBRARY_IMPL(aten, TESTING_ONLY_GenericMode, m) { m.impl("batch_norm", TORCH_FN(batch_norm_in_mode)); }

SyncBatchNormScope::SyncBatchNormScope(Communicator* comm) : include_(kSyncBnKey), previous_(g_comm.load()) {
  g_comm.store(comm);
}

SyncBatchNormScope::~SyncBatchNormScope() { g_comm.store(previous_); }

}  // namespace ttq::train::dist
