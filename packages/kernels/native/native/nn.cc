// Fused neural-network kernels on contiguous inputs (the engine hands them contiguous views, with
// an offset):
//   softmax / log-softmax along `axis`: x viewed as [outer, n, inner]
//   layer norm over the trailing weight.size elements: y = (x - mean) / sqrt(var + eps) * w (+ b)
//   cross entropy (mean over targets != ignore): loss = sum_r (lse(logits_r) - logits_r[t_r]) / count
//   gather (embedding rows) and scatter-add (its adjoint)
//   backward of gelu (dx = dy gelu'(x)), layer norm (dx, dweight, dbias) and cross entropy
//   (dlogits = (softmax - onehot) * valid * dy / count)
// float32 rows go to the ISA routines; float64 follows the reference backend's loops. Work is split
// by rows (or, for scatter-add, by columns), never inside a sum, so results do not depend on the
// thread count; layer norm's dweight/dbias sum rows in fixed blocks (kGrain elements, whatever the
// thread count), then add the block partials in block order.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ops.h"

namespace tessera {

namespace {

constexpr long kGrain = 1 << 15;

long rows_grain(long n) { return std::max<long>(1, kGrain / std::max<long>(n, 1)); }

// Math.max: a NaN anywhere makes the result NaN.
inline double max_nan(double m, double v) { return (v > m || v != v || m != m) ? (m != m ? m : v) : m; }

void softmax_f64(const double* x, double* y, long n, long inner, bool log) {
  for (long i = 0; i < inner; i++) {
    double m = -std::numeric_limits<double>::infinity();
    for (long j = 0; j < n; j++) m = max_nan(m, x[j * inner + i]);
    double total = 0;
    for (long j = 0; j < n; j++) total += std::exp(x[j * inner + i] - m);
    if (log) {
      const double lse = m + std::log(total);
      for (long j = 0; j < n; j++) y[j * inner + i] = x[j * inner + i] - lse;
    } else {
      for (long j = 0; j < n; j++) y[j * inner + i] = std::exp(x[j * inner + i] - m) / total;
    }
  }
}

}  // namespace

void softmax(const Context& cx, const View& x, int axis, bool log, void* y) {
  long outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= x.shape[d];
  for (int d = axis + 1; d < x.rank; d++) inner *= x.shape[d];
  const long n = x.shape[axis];
  if (outer * n * inner == 0) return;
  if (x.dtype == F32) {
    const float* xs = x.at<float>(0);
    float* ys = static_cast<float*>(y);
    if (inner == 1) {
      parallel_ranges(cx.threads, outer, rows_grain(n), [&](long begin, long end) {
        cx.isa->softmax_rows_f32(xs + begin * n, ys + begin * n, end - begin, n, log);
      });
    } else {
      parallel_ranges(cx.threads, outer, rows_grain(n * inner), [&](long begin, long end) {
        for (long o = begin; o < end; o++) cx.isa->softmax_cols_f32(xs + o * n * inner, ys + o * n * inner, n, inner, log);
      });
    }
    return;
  }
  const double* xs = x.at<double>(0);
  double* ys = static_cast<double*>(y);
  parallel_ranges(cx.threads, outer, rows_grain(n * inner), [&](long begin, long end) {
    for (long o = begin; o < end; o++) softmax_f64(xs + o * n * inner, ys + o * n * inner, n, inner, log);
  });
}

void layer_norm(const Context& cx, const View& x, const View& w, const View* b, double eps, void* y) {
  const long n = w.size();
  const long rows = n ? x.size() / n : 0;
  if (rows == 0) return;
  if (x.dtype == F32) {
    const float* xs = x.at<float>(0);
    const float* ws = w.at<float>(0);
    const float* bs = b ? b->at<float>(0) : nullptr;
    float* ys = static_cast<float*>(y);
    parallel_ranges(cx.threads, rows, rows_grain(n), [&](long begin, long end) {
      cx.isa->layernorm_rows_f32(xs + begin * n, ws, bs, ys + begin * n, end - begin, n, (float)eps);
    });
    return;
  }
  const double* xs = x.at<double>(0);
  const double* ws = w.at<double>(0);
  const double* bs = b ? b->at<double>(0) : nullptr;
  double* ys = static_cast<double*>(y);
  parallel_ranges(cx.threads, rows, rows_grain(n), [&](long begin, long end) {
    for (long r = begin; r < end; r++) {
      const double* row = xs + r * n;
      double mean = 0;
      for (long j = 0; j < n; j++) mean += row[j];
      mean /= n;
      double variance = 0;
      for (long j = 0; j < n; j++) variance += (row[j] - mean) * (row[j] - mean);
      const double rstd = 1 / std::sqrt(variance / n + eps);
      for (long j = 0; j < n; j++) {
        const double v = (row[j] - mean) * rstd * ws[j];
        ys[r * n + j] = bs ? v + bs[j] : v;
      }
    }
  });
}

long cross_entropy(const Context& cx, const View& logits, const View& targets, long ignore, void* y) {
  const long C = logits.shape[logits.rank - 1];
  const long rows = targets.size();
  const int32_t* ts = targets.at<int32_t>(0);
  for (long r = 0; r < rows; r++) {
    const long t = ts[r];
    if (t != ignore && !(t >= 0 && t < C)) return r;
  }
  std::vector<double> losses(rows, 0.0);
  parallel_ranges(cx.threads, rows, rows_grain(C), [&](long begin, long end) {
    for (long r = begin; r < end; r++) {
      const long t = ts[r];
      if (t == ignore) continue;
      if (logits.dtype == F32) {
        const float* row = logits.at<float>(r * C);
        losses[r] = (double)cx.isa->logsumexp_f32(row, C) - row[t];
      } else {
        const double* row = logits.at<double>(r * C);
        double m = -std::numeric_limits<double>::infinity();
        for (long j = 0; j < C; j++) m = max_nan(m, row[j]);
        double total = 0;
        for (long j = 0; j < C; j++) total += std::exp(row[j] - m);
        losses[r] = m + std::log(total) - row[t];
      }
    }
  });
  double total = 0;
  long count = 0;
  for (long r = 0; r < rows; r++) {
    if (ts[r] == ignore) continue;
    total += losses[r];
    count++;
  }
  const double mean = total / (double)count;  // 0/0 = NaN when every target is ignored
  if (logits.dtype == F32) *static_cast<float*>(y) = (float)mean;
  else *static_cast<double*>(y) = mean;
  return -1;
}

long gather(const Context& cx, const View& weight, const View& ids, void* y) {
  const long V = weight.shape[0];
  const long D = weight.shape[1];
  const long S = ids.size();
  const int32_t* is = ids.at<int32_t>(0);
  for (long s = 0; s < S; s++)
    if (!(is[s] >= 0 && is[s] < V)) return s;
  const size_t row_bytes = D * dtype_size(weight.dtype);
  const char* w = static_cast<const char*>(weight.data) + weight.offset * dtype_size(weight.dtype);
  char* out = static_cast<char*>(y);
  parallel_ranges(cx.threads, S, rows_grain(D), [&](long begin, long end) {
    for (long s = begin; s < end; s++) std::memcpy(out + s * row_bytes, w + is[s] * row_bytes, row_bytes);
  });
  return -1;
}

long scatter_add(const Context& cx, const View& dy, const View& ids, long rows, void* y) {
  const long D = dy.shape[dy.rank - 1];
  const long S = ids.size();
  const int32_t* is = ids.at<int32_t>(0);
  for (long s = 0; s < S; s++)
    if (!(is[s] >= 0 && is[s] < rows)) return s;
  if (D == 0) return -1;
  // Split by columns: each thread adds every row into its own column range.
  const long columns = std::max<long>(64, (D + cx.threads - 1) / std::max(cx.threads, 1));
  const long parts = (D + columns - 1) / columns;
  const long grain = std::max<long>(1, kGrain / std::max<long>(S * columns, 1));
  parallel_ranges(cx.threads, parts, grain, [&](long begin, long end) {
    for (long part = begin; part < end; part++) {
      const long j0 = part * columns;
      const long width = std::min(columns, D - j0);
      if (dy.dtype == F32) {
        float* out = static_cast<float*>(y);
        for (long s = 0; s < S; s++) cx.isa->accumulate_f32(out + is[s] * D + j0, dy.at<float>(s * D + j0), width);
      } else {
        double* out = static_cast<double*>(y);
        for (long s = 0; s < S; s++) {
          const double* src = dy.at<double>(s * D + j0);
          double* dst = out + is[s] * D + j0;
          for (long j = 0; j < width; j++) dst[j] += src[j];
        }
      }
    }
  });
  return -1;
}

namespace {

constexpr double kInvSqrt2Pi = 0.3989422804014327;
constexpr double kSqrt2OverPi = 0.7978845608028654;

double gelu_grad_f64(double v, bool tanh_form) {
  if (tanh_form) {
    const double v2 = v * v;
    const double t = std::tanh(kSqrt2OverPi * v * (1 + 0.044715 * v2));
    return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * kSqrt2OverPi * (1 + 3 * 0.044715 * v2);
  }
  return 0.5 * (1 + std::erf(v * 0.7071067811865476)) + v * std::exp(-0.5 * v * v) * kInvSqrt2Pi;
}

}  // namespace

void gelu_backward(const Context& cx, const View& dy, const View& x, bool tanh_form, void* dx) {
  const long n = x.size();
  if (n == 0) return;
  if (x.dtype == F32) {
    const float* ds = dy.at<float>(0);
    const float* xs = x.at<float>(0);
    float* out = static_cast<float*>(dx);
    parallel_ranges(cx.threads, n, kGrain, [&](long begin, long end) {
      cx.isa->gelu_backward_f32(ds + begin, xs + begin, out + begin, end - begin, tanh_form);
    });
    return;
  }
  const double* ds = dy.at<double>(0);
  const double* xs = x.at<double>(0);
  double* out = static_cast<double*>(dx);
  parallel_ranges(cx.threads, n, kGrain, [&](long begin, long end) {
    for (long i = begin; i < end; i++) out[i] = ds[i] * gelu_grad_f64(xs[i], tanh_form);
  });
}

void layer_norm_backward(const Context& cx, const View& dy, const View& x, const View& w, double eps, void* dx, void* dw, void* db) {
  const long n = w.size();
  const long rows = n ? x.size() / n : 0;
  if (n == 0) return;
  const long block = rows_grain(n);  // rows per partial: fixed by n alone
  const long blocks = (rows + block - 1) / block;
  const bool f32 = x.dtype == F32;
  // Per-block partials of dw (and db): float32 accumulates in float within a block, float64 in double.
  std::vector<float> part32(f32 ? blocks * n * (db ? 2 : 1) : 0, 0.0f);
  std::vector<double> part64(f32 ? 0 : blocks * n * (db ? 2 : 1), 0.0);
  parallel_ranges(cx.threads, blocks, 1, [&](long begin, long end) {
    for (long k = begin; k < end; k++) {
      const long r0 = k * block, r1 = std::min(rows, r0 + block);
      if (f32) {
        float* pw = part32.data() + k * n * (db ? 2 : 1);
        cx.isa->layernorm_backward_rows_f32(dy.at<float>(r0 * n), x.at<float>(r0 * n), w.at<float>(0), static_cast<float*>(dx) + r0 * n, pw,
                                            db ? pw + n : nullptr, r1 - r0, n, (float)eps);
        continue;
      }
      double* pw = part64.data() + k * n * (db ? 2 : 1);
      double* pb = db ? pw + n : nullptr;
      const double* ws = w.at<double>(0);
      for (long r = r0; r < r1; r++) {
        const double* row = x.at<double>(r * n);
        const double* d = dy.at<double>(r * n);
        double* out = static_cast<double*>(dx) + r * n;
        double mean = 0;
        for (long j = 0; j < n; j++) mean += row[j];
        mean /= n;
        double variance = 0;
        for (long j = 0; j < n; j++) variance += (row[j] - mean) * (row[j] - mean);
        const double rstd = 1 / std::sqrt(variance / n + eps);
        double mg = 0, mgx = 0;
        for (long j = 0; j < n; j++) {
          const double g = d[j] * ws[j];
          mg += g;
          mgx += g * (row[j] - mean) * rstd;
        }
        mg /= n;
        mgx /= n;
        for (long j = 0; j < n; j++) {
          const double xhat = (row[j] - mean) * rstd;
          out[j] = rstd * (d[j] * ws[j] - mg - xhat * mgx);
          pw[j] += d[j] * xhat;
          if (pb) pb[j] += d[j];
        }
      }
    }
  });
  // Add the block partials in block order, split by columns.
  const int outs = db ? 2 : 1;
  parallel_ranges(cx.threads, n, std::max<long>(64, kGrain / std::max<long>(blocks, 1)), [&](long begin, long end) {
    for (int o = 0; o < outs; o++) {
      for (long j = begin; j < end; j++) {
        double total = 0;
        for (long k = 0; k < blocks; k++) total += f32 ? (double)part32[(k * outs + o) * n + j] : part64[(k * outs + o) * n + j];
        if (f32) static_cast<float*>(o ? db : dw)[j] = (float)total;
        else static_cast<double*>(o ? db : dw)[j] = total;
      }
    }
  });
}

long cross_entropy_backward(const Context& cx, const View& logits, const View& targets, const View& dy, long ignore, void* y) {
  const long C = logits.shape[logits.rank - 1];
  const long rows = targets.size();
  const int32_t* ts = targets.at<int32_t>(0);
  long count = 0;
  for (long r = 0; r < rows; r++) {
    const long t = ts[r];
    if (t == ignore) continue;
    if (!(t >= 0 && t < C)) return r;
    count++;
  }
  if (rows == 0 || C == 0) return -1;
  const bool f32 = logits.dtype == F32;
  // dy / count: inf when every target is ignored, so ignored rows give 0 * inf = NaN, as decomposed.
  const double scale = (f32 ? (double)*dy.at<float>(0) : *dy.at<double>(0)) / (double)count;
  parallel_ranges(cx.threads, rows, rows_grain(C), [&](long begin, long end) {
    for (long r = begin; r < end; r++) {
      const long t = ts[r];
      if (f32) {
        float* out = static_cast<float*>(y) + r * C;
        if (t == ignore) {
          const float zero = 0.0f * (float)scale;
          for (long j = 0; j < C; j++) out[j] = zero;
        } else {
          cx.isa->cross_entropy_backward_row_f32(logits.at<float>(r * C), out, C, t, (float)scale);
        }
        continue;
      }
      const double* row = logits.at<double>(r * C);
      double* out = static_cast<double*>(y) + r * C;
      if (t == ignore) {
        for (long j = 0; j < C; j++) out[j] = 0.0 * scale;
        continue;
      }
      double m = -std::numeric_limits<double>::infinity();
      for (long j = 0; j < C; j++) m = max_nan(m, row[j]);
      double total = 0;
      for (long j = 0; j < C; j++) total += std::exp(row[j] - m);
      for (long j = 0; j < C; j++) out[j] = (std::exp(row[j] - m) / total - (j == t ? 1.0 : 0.0)) * scale;
    }
  });
  return -1;
}

}  // namespace tessera
