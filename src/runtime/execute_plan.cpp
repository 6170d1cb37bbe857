#include "runtime/execute_plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/im2col.h"
#include "kernels/requantize.h"

namespace ttq::runtime {
namespace {

// Runs f(task, worker) for every task on the pool, without allocating.
template <class F>
void parallel(ThreadPool& pool, int tasks, F& f) {
  pool.parallel_for(tasks, [](void* ctx, int t, int w) { (*static_cast<F*>(ctx))(t, w); }, &f);
}

using kernels::requantize_u8;

// Read access to a value as float, from its f32 copy if it has one, else u8 * scale.
struct In {
  const float* f = nullptr;
  const uint8_t* q = nullptr;
  float scale = 0.f;
  float zero_point = 0.f;
  float at(size_t i) const { return f ? f[i] : (static_cast<float>(q[i]) - zero_point) * scale; }
  // Locals, not members, in the loops: a store through dst could alias them otherwise,
  // and the compiler would reload them each element instead of vectorizing.
  void load(size_t i, size_t n, float* __restrict dst) const {
    if (f) {
      std::memcpy(dst, f + i, n * sizeof(float));
      return;
    }
    const uint8_t* __restrict src = q + i;
    const float s = scale, z = zero_point;
    for (size_t j = 0; j < n; ++j) dst[j] = (static_cast<float>(src[j]) - z) * s;
  }
};

// Out-of-line with restrict parameters: a byte store may alias anything, so inside a
// larger loop the compiler would reload every bound after each byte and not vectorize.
void max_bytes(uint8_t* __restrict acc, const uint8_t* __restrict x, size_t n) {
  for (size_t i = 0; i < n; ++i) acc[i] = acc[i] < x[i] ? x[i] : acc[i];
}
void dequantize_bytes(const uint8_t* __restrict q, size_t n, float scale, float* __restrict out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(q[i]) * scale;
}

// Pixels 0..255 (every `stride`-th byte) to normalized floats, as the file's mean/std say.
void normalize_pixels(const uint8_t* __restrict px, size_t stride, size_t n, float mean, float std,
                      float* __restrict out) {
  for (size_t i = 0; i < n; ++i) out[i] = (static_cast<float>(px[i * stride]) / 255.f - mean) / std;
}
// quantize_u8(x * inv_scale + zero_point), n <= 256, through the SSE2 row routine.
void quantize_with_zero_point(const float* __restrict x, size_t n, float inv_scale, float zero_point,
                              uint8_t* __restrict out) {
  float t[256];
  for (size_t i = 0; i < n; ++i) t[i] = x[i] * inv_scale + zero_point;
  kernels::requantize_u8_row(t, n, 1.f, out);
}

// Writes every representation a value keeps.
struct Out {
  float* f = nullptr;
  uint8_t* q = nullptr;
  float inv_scale = 0.f;
  void put(size_t i, float y) const {
    if (f) f[i] = y;
    if (q) q[i] = requantize_u8(y, inv_scale);
  }
  void store(size_t i, size_t n, const float* __restrict src) const {
    if (f) std::memcpy(f + i, src, n * sizeof(float));
    if (q) kernels::requantize_u8_row(src, n, inv_scale, q + i);
  }
};

class Executor {
 public:
  Executor(const Plan& plan, ThreadPool& pool, Workspace& ws) : plan_(plan), pool_(pool), ws_(ws), n_(ws.batch) {}

  const float* f32(int v) const { return plan_.values[v].has_f32 ? reinterpret_cast<const float*>(base(plan_.values[v].off_f32)) : nullptr; }
  const uint8_t* u8(int v) const { return plan_.values[v].has_u8 ? base(plan_.values[v].off_u8) : nullptr; }
  float* f32_out(int v) const { return const_cast<float*>(f32(v)); }
  uint8_t* u8_out(int v) const { return const_cast<uint8_t*>(u8(v)); }
  In in(int v) const {
    const Value& x = plan_.values[v];
    return x.has_f32 ? In{f32(v), nullptr, 0.f, 0.f} : In{nullptr, u8(v), x.scale, static_cast<float>(x.zero_point)};
  }
  Out out(int v) const {
    const Value& y = plan_.values[v];
    return Out{f32_out(v), u8_out(v), y.has_u8 ? 1.f / y.scale : 0.f};
  }

  void run(const InputSource& src, float* logits) {
    for (size_t i = 0; i < plan_.steps.size(); ++i) {
      if (!ws_.step_seconds) {
        step(plan_.steps[i], src);
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      step(plan_.steps[i], src);
      ws_.step_seconds[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    const Value& o = plan_.values[plan_.output];
    const float* y = f32(plan_.output);
    const size_t hw = static_cast<size_t>(o.H) * o.W, per = o.elems();
    for (int b = 0; b < n_; ++b) {
      for (size_t p = 0; p < hw; ++p) {
        for (int c = 0; c < o.C; ++c) logits[b * per + c * hw + p] = y[b * per + p * o.C + c];
      }
    }
  }

 private:
  void step(const Step& st, const InputSource& src) {
    switch (st.kind) {
      case StepKind::input: input(st, src); break;
      case StepKind::gemm: st.gemm.int8 ? gemm_int8(st) : gemm_f32(st); break;
      case StepKind::maxpool:
      case StepKind::avgpool: pool(st); break;
      case StepKind::global_avgpool: global_avgpool(st); break;
      case StepKind::concat: concat(st); break;
      case StepKind::add:
      case StepKind::relu:
      case StepKind::affine:
      case StepKind::copy: elementwise(st); break;
    }
  }

  uint8_t* base(size_t per_image_offset) const { return ws_.arena + per_image_offset * n_; }

  // The input as the plan stores it: f32, and u8 with its zero point for an int8 first conv.
  void input(const Step& st, const InputSource& src) {
    const Value& v = plan_.values[st.output];
    float* xf = f32_out(st.output);
    uint8_t* xq = u8_out(st.output);
    const float inv = v.has_u8 ? 1.f / v.scale : 0.f, zero_point = static_cast<float>(v.zero_point);
    const size_t C = static_cast<size_t>(v.C), hw = static_cast<size_t>(v.H) * v.W, per = v.elems();
    // Tasks of whole image rows; a channel at a time, in chunks, so the arithmetic runs
    // over contiguous floats (vectorized) and only the interleaving store is strided.
    const int blocks = std::max(1, std::min(v.H, 4 * pool_.size() / n_));
    const size_t rows_per_block = (static_cast<size_t>(v.H) + blocks - 1) / blocks;
    auto task = [&](int t, int) {
      const size_t b = static_cast<size_t>(t / blocks);
      const size_t p_begin = std::min(hw, (t % blocks) * rows_per_block * v.W);
      const size_t p_end = std::min(hw, p_begin + rows_per_block * v.W);
      constexpr size_t kChunk = 256;
      float x[kChunk];
      uint8_t q[kChunk];
      for (size_t c = 0; c < C; ++c) {
        for (size_t p0 = p_begin; p0 < p_end; p0 += kChunk) {
          const size_t n = std::min(kChunk, p_end - p0);
          if (src.nchw) {
            std::memcpy(x, src.nchw + b * per + c * hw + p0, n * sizeof(float));
          } else {
            normalize_pixels(src.pixels_nhwc + b * per + p0 * C + c, C, n, src.mean[c], src.std[c], x);
          }
          float* __restrict yf = xf ? xf + b * per + p0 * C + c : nullptr;
          if (yf) {
            for (size_t j = 0; j < n; ++j) yf[j * C] = x[j];
          }
          if (xq) {
            quantize_with_zero_point(x, n, inv, zero_point, q);
            uint8_t* __restrict yq = xq + b * per + p0 * C + c;
            for (size_t j = 0; j < n; ++j) yq[j * C] = q[j];
          }
        }
      }
    };
    parallel(pool_, n_ * blocks, task);
  }

  // GEMM rows are output pixels; a task is a run of rows of one image (never two, so
  // its taps come from one image). Rows per task: as many as keep every worker busy
  // (about 4 tasks a worker), in multiples of 12 (whole tiles for the 6- and 12-row
  // kernel tiles), at most plan.max_rows. Big tasks matter: each kernel call pays for its
  // partial last tile and its setup. The outputs do not depend on the split: every
  // element is an exact integer sum and its own epilogue.
  struct Tiles {
    int per_image_rows, tiles_per_image, tasks, rows;
    bool global;  // linear layers: one row per image, tile across the batch
  };
  // Splits a layer into tasks of whole tiles: 4 per thread where the layer is large,
  // fewer where a task would be under the kernel's task_macs (a few microseconds).
  template <class Kernel>
  Tiles tiles(const GemmLayer& L, const Kernel& kernel) const {
    // A multiple of every ymm/zmm tile height (3, 6); AMX's 32-row blocks want 32.
    const int step = std::max(12, kernel.tile_rows);
    const auto round_up = [](int v, int to) { return (v + to - 1) / to * to; };
    Tiles t;
    t.per_image_rows = L.out_h * L.out_w;
    t.global = t.per_image_rows == 1;
    const int span = t.global ? n_ : t.per_image_rows;  // rows a task may cover
    const int total = t.global ? n_ : n_ * t.per_image_rows;
    const int wanted_tasks = 4 * pool_.size();
    const long row_macs = static_cast<long>(L.K) * L.out_c;  // K is per group, out_c all groups
    const int min_rows = static_cast<int>(std::min<long>(kernel.task_macs / row_macs, total));
    t.rows = std::min({plan_.max_rows, round_up(std::max({1, min_rows, total / wanted_tasks}), step), round_up(span, step)});
    const int pieces = (span + t.rows - 1) / t.rows;  // balance the pieces of one span
    t.rows = std::min(t.rows, round_up((span + pieces - 1) / pieces, step));
    t.tiles_per_image = (t.per_image_rows + t.rows - 1) / t.rows;
    t.tasks = t.global ? (n_ + t.rows - 1) / t.rows : n_ * t.tiles_per_image;
    return t;
  }
  // Global row range [m0, m0 + count) and (image, first row in image) of a task.
  void task_rows(const Tiles& t, int task, int* m0, int* count, int* image, int* r0) const {
    if (t.global) {
      *m0 = task * t.rows;
      *count = std::min(t.rows, n_ - *m0);
      *image = *m0;
      *r0 = 0;
    } else {
      *image = task / t.tiles_per_image;
      *r0 = (task % t.tiles_per_image) * t.rows;
      *count = std::min(t.rows, t.per_image_rows - *r0);
      *m0 = *image * t.per_image_rows + *r0;
    }
  }

  static kernels::ConvGeometry geometry(const GemmLayer& L) {
    return {L.in_h, L.in_w, L.in_c, L.kh, L.kw, L.sh, L.sw, L.ph, L.pw};
  }

  // Image `image` of a layer's input x.
  template <class T>
  static const T* image_of(const GemmLayer& L, const T* x, int image) {
    return x + static_cast<size_t>(image) * L.in_h * L.in_w * L.in_c;
  }

  // A task's A rows for group g: in place for a direct layer (1x1, stride 1, or linear),
  // else gathered into `scratch` by im2col. Returns the rows and sets *lda.
  template <class T>
  static const T* gemm_rows(const GemmLayer& L, const T* x, int m0, int image, int r0, int count, int g, T* scratch,
                            int* lda) {
    if (L.direct) {
      *lda = L.in_c;
      return x + static_cast<size_t>(m0) * L.in_c + g * L.Cg;
    }
    if constexpr (std::is_same_v<T, uint8_t>) {
      kernels::im2col_rows_u8(image_of(L, x, image), geometry(L), g * L.Cg, L.Cg, r0, count, scratch, L.K, L.pad_byte);
    } else {
      kernels::im2col_rows_f32(image_of(L, x, image), geometry(L), g * L.Cg, L.Cg, r0, count, scratch, L.K);
    }
    *lda = L.K;
    return scratch;
  }

  void gemm_int8(const Step& st) {
    const GemmLayer& L = st.gemm;
    const Value& y = plan_.values[st.output];
    const uint8_t* x = u8(st.inputs[0]);
    const bool has_res = L.residual >= 0;
    const float* res = has_res ? f32(L.residual) : nullptr;
    float* yf = f32_out(st.output);
    uint8_t* yq = u8_out(st.output);
    const float inv = y.has_u8 ? 1.f / y.scale : 0.f;
    const int O = L.out_c;
    const Tiles t = tiles(L, *L.kernel);
    auto task = [&](int task, int worker) {
      int m0, count, image, r0;
      task_rows(t, task, &m0, &count, &image, &r0);
      for (int g = 0; g < L.groups; ++g) {
        int lda = 0;  // run_indirect reads the taps in place
        const uint8_t* a =
            L.indirect ? nullptr : gemm_rows(L, x, m0, image, r0, count, g, ws_.scratch_u8[worker].data(), &lda);
        const size_t at = static_cast<size_t>(m0) * O + g * L.Og;  // outputs and residual alike: [M x O]
        kernels::Epilogue ep;
        ep.scale = L.scale.data() + g * L.Og;
        ep.bias = L.bias.data() + g * L.Og;
        if (has_res) {
          ep.residual = res + at;
          ep.ldr = O;
          ep.residual_scale = L.residual_scale;
        }
        ep.relu = L.relu;
        ep.ldc = O;
        if (yf) ep.out_f32 = yf + at;
        if (yq) ep.out_u8 = yq + at;  // u8 only: scale and bias carry 1/y.scale (fold_output_scales)
        if (yf && yq) ep.out_u8_scale = inv;
        if (L.indirect) {
          kernels::IndirectA taps;
          taps.segments = L.kh * L.kw;
          taps.seg_k = L.Cg;
          taps.base = image_of(L, x, image) + g * L.Cg;
          taps.offsets = L.tap_offsets->data() + static_cast<size_t>(r0) * taps.segments;
          taps.zeros = ws_.zeros.data();
          L.kernel->run_indirect(count, taps, L.packed[g], ep);
        } else {
          L.kernel->run(count, a, lda, L.packed[g], ep);
        }
      }
    };
    parallel(pool_, t.tasks, task);
  }

  void gemm_f32(const Step& st) {
    const GemmLayer& L = st.gemm;
    const float* x = f32(st.inputs[0]);
    const float* res = L.residual >= 0 ? f32(L.residual) : nullptr;
    const Out y = out(st.output);
    const int O = L.out_c;
    // The kernel's epilogue has one output and no residual; otherwise finish here.
    const bool finish_here = res || (y.f && y.q);
    const Tiles t = tiles(L, *L.kernel_f32);
    auto task = [&](int task, int worker) {
      int m0, count, image, r0;
      task_rows(t, task, &m0, &count, &image, &r0);
      float* scratch = ws_.scratch_f32[worker].data();
      float* tmp = scratch + (L.im2col() ? static_cast<size_t>(plan_.max_rows) * L.K : 0);
      for (int g = 0; g < L.groups; ++g) {
        kernels::EpilogueF32 ep;
        ep.scale = L.scale.data() + g * L.Og;
        ep.bias = L.bias.data() + g * L.Og;
        const size_t at = static_cast<size_t>(m0) * O + g * L.Og;
        ep.relu = L.relu && !res;  // a residual goes in before the relu
        if (finish_here) {
          ep.out_f32 = tmp;
          ep.ldc = L.Og;
        } else {
          ep.ldc = O;
          if (y.f) {
            ep.out_f32 = y.f + at;
          } else {
            ep.out_u8 = y.q + at;
            ep.out_inv_scale = y.inv_scale;
          }
        }
        if (L.indirect) {  // ungrouped, few taps: read in place
          L.kernel_f32->conv_direct(image_of(L, x, image), geometry(L), r0, count, L.packed_f32[g], ep);
        } else {
          int lda;
          const float* a = gemm_rows(L, x, m0, image, r0, count, g, scratch, &lda);
          L.kernel_f32->run(count, a, lda, L.packed_f32[g], ep);
        }
        if (finish_here) {
          for (int r = 0; r < count; ++r) {
            float* row = tmp + static_cast<size_t>(r) * L.Og;
            const size_t i = at + static_cast<size_t>(r) * O;
            if (res) {
              for (int o = 0; o < L.Og; ++o) {
                const float v = row[o] + res[i + o];
                row[o] = L.relu && !(v > 0.f) ? 0.f : v;
              }
            }
            y.store(i, L.Og, row);
          }
        }
      }
    };
    parallel(pool_, t.tasks, task);
  }

  // Max- and average-pooling on NHWC, a task per output row, each window's taps read as
  // whole channel runs (the loops over channels vectorize). A max-pool from bytes to bytes
  // at one scale (compile_plan gives the input its output's scale) stays in bytes: rounding
  // is monotone, so the byte of the max is the max of the bytes, exactly.
  void pool(const Step& st) {
    const Value& xv = plan_.values[st.inputs[0]];
    const Value& yv = plan_.values[st.output];
    const In x = in(st.inputs[0]);
    const Out y = out(st.output);
    const bool is_max = st.kind == StepKind::maxpool;
    const bool bytes = is_max && xv.has_u8 && yv.has_u8 && xv.scale == yv.scale && xv.zero_point == 0;
    const uint8_t* xq = u8(st.inputs[0]);
    const size_t C = static_cast<size_t>(xv.C);
    const float inv_area = 1.f / static_cast<float>(st.kh * st.kw);
    auto task = [&](int t, int) {
      const int b = t / yv.H, oy = t % yv.H;
      const int y0 = std::max(0, oy * st.sh - st.ph), y1 = std::min(xv.H, oy * st.sh - st.ph + st.kh);
      for (int ox = 0; ox < yv.W; ++ox) {
        const int x0 = std::max(0, ox * st.sw - st.pw), x1 = std::min(xv.W, ox * st.sw - st.pw + st.kw);
        const size_t o_at = ((static_cast<size_t>(b) * yv.H + oy) * yv.W + ox) * C;
        const auto tap_at = [&](int iy, int ix) { return ((static_cast<size_t>(b) * xv.H + iy) * xv.W + ix) * C; };
        if (bytes) {
          uint8_t* o = y.q + o_at;
          std::memcpy(o, xq + tap_at(y0, x0), C);
          for (int iy = y0; iy < y1; ++iy) {
            for (int ix = x0; ix < x1; ++ix) max_bytes(o, xq + tap_at(iy, ix), C);
          }
          if (y.f) dequantize_bytes(o, C, yv.scale, y.f + o_at);
          continue;
        }
        constexpr size_t kChunk = 256;
        float acc[kChunk], v[kChunk];
        for (size_t c0 = 0; c0 < C; c0 += kChunk) {
          const size_t n = std::min(kChunk, C - c0);
          x.load(tap_at(y0, x0) + c0, n, acc);
          for (int iy = y0; iy < y1; ++iy) {
            for (int ix = x0; ix < x1; ++ix) {
              if (iy == y0 && ix == x0) continue;
              x.load(tap_at(iy, ix) + c0, n, v);
              if (is_max) {
                for (size_t c = 0; c < n; ++c) acc[c] = acc[c] < v[c] ? v[c] : acc[c];
              } else {
                for (size_t c = 0; c < n; ++c) acc[c] += v[c];
              }
            }
          }
          if (!is_max) {
            for (size_t c = 0; c < n; ++c) acc[c] *= inv_area;  // counts the padding (count_include_pad)
          }
          y.store(o_at + c0, n, acc);
        }
      }
    };
    parallel(pool_, n_ * yv.H, task);
  }

  void global_avgpool(const Step& st) {
    const Value& xv = plan_.values[st.inputs[0]];
    const In x = in(st.inputs[0]);
    const Out y = out(st.output);
    const size_t hw = static_cast<size_t>(xv.H) * xv.W;
    auto task = [&](int b, int) {
      for (int c = 0; c < xv.C; ++c) {
        float acc = 0.f;
        for (size_t p = 0; p < hw; ++p) acc += x.at((b * hw + p) * xv.C + c);
        y.put(static_cast<size_t>(b) * xv.C + c, acc / static_cast<float>(hw));
      }
    };
    parallel(pool_, n_, task);
  }

  void concat(const Step& st) {
    const Value& yv = plan_.values[st.output];
    const Out y = out(st.output);
    const size_t pixels = static_cast<size_t>(yv.H) * yv.W;
    auto task = [&](int b, int) {
      int c0 = 0;
      for (int v : st.inputs) {
        const In x = in(v);
        const int C = plan_.values[v].C;
        for (size_t p = 0; p < pixels; ++p) {
          for (int c = 0; c < C; ++c) y.put((b * pixels + p) * yv.C + c0 + c, x.at((b * pixels + p) * C + c));
        }
        c0 += C;
      }
    };
    parallel(pool_, n_, task);
  }

  // add, relu, affine (a standalone batchnorm) and copy, each with an optional relu.
  // Chunks of a stack buffer keep every loop straight-line code the compiler vectorizes.
  void elementwise(const Step& st) {
    const size_t per = plan_.values[st.output].elems();
    const size_t C = static_cast<size_t>(plan_.values[st.output].C);
    const In a = in(st.inputs[0]);
    const In b = st.kind == StepKind::add ? in(st.inputs[1]) : In{};
    const Out y = out(st.output);
    const bool relu = st.relu || st.kind == StepKind::relu;
    auto task = [&](int image, int) {
      constexpr size_t kChunk = 256;
      float va[kChunk], vb[kChunk];
      const size_t end = (image + 1) * per;
      for (size_t i = image * per; i < end; i += kChunk) {
        const size_t n = std::min(kChunk, end - i);
        a.load(i, n, va);
        if (st.kind == StepKind::add) {
          b.load(i, n, vb);
          for (size_t j = 0; j < n; ++j) va[j] = va[j] + vb[j];
        } else if (st.kind == StepKind::affine) {
          for (size_t j = 0; j < n; ++j) va[j] = va[j] * st.ch_scale[(i + j) % C] + st.ch_bias[(i + j) % C];
        }
        if (relu)
          for (size_t j = 0; j < n; ++j) va[j] = kernels::max0(va[j]);
        y.store(i, n, va);
      }
    };
    parallel(pool_, n_, task);
  }

  const Plan& plan_;
  ThreadPool& pool_;
  Workspace& ws_;
  const int n_;
};

}  // namespace

void execute_plan(const Plan& plan, ThreadPool& pool, Workspace& ws, const InputSource& input, float* logits) {
  Executor(plan, pool, ws).run(input, logits);
}

}  // namespace ttq::runtime
