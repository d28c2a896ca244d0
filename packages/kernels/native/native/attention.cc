// Fused attention, forward and backward (the model's Attention / AttentionBackward definitions):
//   q [B, H, Tq, hd], k, v [B, G, Tk, hd], keyMask [B, Tk] bool (true = attend) or none
//   query head h reads key/value head g = h / (H / G); query row i sits at position p_i = i + Tk - Tq
//   s[i, j] = scale (q_i . k_j) - slope_h |p_i - j|, key j visible iff mask[j] and (!causal or j <= p_i)
//   out_i = sum_j softmax(s_i)_j v_j; a row that sees no key outputs zeros
//   backward: dv = P^T dOut, dS = P (dOut V^T - D), D_i = dOut_i . out_i, dq = scale dS K, dk = scale dS^T Q
// Inputs arrive contiguous (with an offset); outputs are contiguous and zero-filled.
//
// float32 runs the tiled kernels of the chosen ISA (isa-attention.inc), threaded over (batch,
// head, block of query rows) forward and over (batch, key/value head) backward, so every output
// element has one writer and results do not depend on the thread count. float64 follows the
// reference backend's row-by-row loop with an online softmax (O(hd) per row forward; O(Tk)
// per row plus the dk/dv rows of one head backward).
#include <cmath>
#include <limits>
#include <vector>

#include "ops.h"

namespace tessera {

namespace {

// Below this many multiply-adds a call runs on the calling thread.
constexpr double kSerialWork = 2.0e5;

int threads_for(const Context& cx, double work) { return work < kSerialWork ? 1 : cx.threads; }

inline long key_end(const AttentionArgs& a, long i) { return a.causal ? std::min(a.Tk, i + a.Tk - a.Tq + 1) : a.Tk; }

void forward_f64(const AttentionArgs& a, const double* q, const double* k, const double* v, double* y, long b, long h) {
  const long hd = a.hd, Tk = a.Tk, shift = a.Tk - a.Tq;
  const long g = h / (a.H / a.G);
  const double slope = a.slopes ? a.slopes[h] : 0.0;
  const double* kh = k + (b * a.G + g) * Tk * hd;
  const double* vh = v + (b * a.G + g) * Tk * hd;
  const uint8_t* mask = a.mask ? a.mask + b * Tk : nullptr;
  std::vector<double> acc(hd);
  for (long i = 0; i < a.Tq; i++) {
    const double* qi = q + ((b * a.H + h) * a.Tq + i) * hd;
    double m = -std::numeric_limits<double>::infinity(), l = 0;
    std::fill(acc.begin(), acc.end(), 0.0);
    const long end = key_end(a, i);
    for (long j = 0; j < end; j++) {
      if (mask && !mask[j]) continue;
      double dot = 0;
      for (long d = 0; d < hd; d++) dot += qi[d] * kh[j * hd + d];
      const double s = dot * a.scale - slope * std::fabs((double)(i + shift - j));
      const double* vj = vh + j * hd;
      if (s > m) {
        const double correction = std::exp(m - s);
        l = l * correction + 1;
        for (long d = 0; d < hd; d++) acc[d] = acc[d] * correction + vj[d];
        m = s;
      } else {
        const double p = std::exp(s - m);
        l += p;
        for (long d = 0; d < hd; d++) acc[d] += p * vj[d];
      }
    }
    double* yi = y + ((b * a.H + h) * a.Tq + i) * hd;
    const double inverse = l > 0 ? 1 / l : 0;
    for (long d = 0; d < hd; d++) yi[d] = acc[d] * inverse;
  }
}

void backward_f64(const AttentionArgs& a, const double* q, const double* k, const double* v, const double* out, const double* dout,
                  double* dq, double* dk, double* dv, long b, long g) {
  const long hd = a.hd, Tk = a.Tk, shift = a.Tk - a.Tq, group = a.H / a.G;
  const double* kh = k + (b * a.G + g) * Tk * hd;
  const double* vh = v + (b * a.G + g) * Tk * hd;
  double* dkh = dk + (b * a.G + g) * Tk * hd;
  double* dvh = dv + (b * a.G + g) * Tk * hd;
  const uint8_t* mask = a.mask ? a.mask + b * Tk : nullptr;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> scores(Tk);
  for (long h = g * group; h < (g + 1) * group; h++) {
    const double slope = a.slopes ? a.slopes[h] : 0.0;
    for (long i = 0; i < a.Tq; i++) {
      const long row = ((b * a.H + h) * a.Tq + i) * hd;
      const double* qi = q + row;
      const double* doi = dout + row;
      const long end = key_end(a, i);
      double m = -inf;
      for (long j = 0; j < end; j++) {
        if (mask && !mask[j]) {
          scores[j] = -inf;
          continue;
        }
        double dot = 0;
        for (long d = 0; d < hd; d++) dot += qi[d] * kh[j * hd + d];
        scores[j] = dot * a.scale - slope * std::fabs((double)(i + shift - j));
        if (scores[j] > m) m = scores[j];
      }
      if (m == -inf) continue;  // dq stays zero
      double l = 0;
      for (long j = 0; j < end; j++) l += std::exp(scores[j] - m);
      double D = 0;
      for (long d = 0; d < hd; d++) D += doi[d] * out[row + d];
      double* dqi = dq + row;
      for (long j = 0; j < end; j++) {
        if (scores[j] == -inf) continue;
        const double p = std::exp(scores[j] - m) / l;
        double dp = 0;
        for (long d = 0; d < hd; d++) dp += doi[d] * vh[j * hd + d];
        const double ds = p * (dp - D);
        for (long d = 0; d < hd; d++) {
          dvh[j * hd + d] += p * doi[d];
          dkh[j * hd + d] += ds * qi[d];
          dqi[d] += ds * kh[j * hd + d];
        }
      }
      for (long d = 0; d < hd; d++) dqi[d] *= a.scale;
    }
  }
  for (long x = 0; x < Tk * hd; x++) dkh[x] *= a.scale;
}

}  // namespace

void attention_forward(const Context& cx, const AttentionArgs& a, const View& q, const View& k, const View& v, void* y) {
  if (a.B * a.H * a.Tq * a.hd == 0) return;
  const double work = (double)a.B * a.H * a.Tq * a.Tk * a.hd * 2;
  if (q.dtype == F32) {
    AttentionProblem p{a.B, a.H, a.G, a.Tq, a.Tk, a.hd, (float)a.scale, a.causal, a.slopes, a.mask,
                       q.at<float>(0), k.at<float>(0), v.at<float>(0), nullptr, nullptr, static_cast<float*>(y),
                       nullptr, nullptr, nullptr};
    const long blocks = (a.Tq + kAttentionRows - 1) / kAttentionRows;
    const IsaTable* isa = cx.isa;
    parallel_for(threads_for(cx, work), a.B * a.H * blocks, [&](long task) {
      const long block = task % blocks, bh = task / blocks;
      const long i0 = block * kAttentionRows;
      isa->attention_forward_f32(p, bh / a.H, bh % a.H, i0, std::min(kAttentionRows, a.Tq - i0));
    });
    return;
  }
  const double *qs = q.at<double>(0), *ks = k.at<double>(0), *vs = v.at<double>(0);
  double* ys = static_cast<double*>(y);
  parallel_for(threads_for(cx, work), a.B * a.H, [&](long task) { forward_f64(a, qs, ks, vs, ys, task / a.H, task % a.H); });
}

void attention_backward(const Context& cx, const AttentionArgs& a, const View& q, const View& k, const View& v, const View& out,
                        const View& dout, void* dq, void* dk, void* dv) {
  if (a.B * a.G * a.Tk * a.hd == 0) return;
  const double work = (double)a.B * a.H * a.Tq * a.Tk * a.hd * 6;
  if (q.dtype == F32) {
    AttentionProblem p{a.B, a.H, a.G, a.Tq, a.Tk, a.hd, (float)a.scale, a.causal, a.slopes, a.mask,
                       q.at<float>(0), k.at<float>(0), v.at<float>(0), out.at<float>(0), dout.at<float>(0), nullptr,
                       static_cast<float*>(dq), static_cast<float*>(dk), static_cast<float*>(dv)};
    const IsaTable* isa = cx.isa;
    parallel_for(threads_for(cx, work), a.B * a.G, [&](long task) { isa->attention_backward_f32(p, task / a.G, task % a.G); });
    return;
  }
  const double *qs = q.at<double>(0), *ks = k.at<double>(0), *vs = v.at<double>(0);
  const double *os = out.at<double>(0), *dos = dout.at<double>(0);
  parallel_for(threads_for(cx, work), a.B * a.G, [&](long task) {
    backward_f64(a, qs, ks, vs, os, dos, static_cast<double*>(dq), static_cast<double*>(dk), static_cast<double*>(dv), task / a.G,
                 task % a.G);
  });
}

}  // namespace tessera
