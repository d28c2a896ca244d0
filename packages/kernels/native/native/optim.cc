// Fused optimizer steps (the trainer's LionStep and AdamStep definitions), elementwise over
// contiguous tensors of one shape:
//   LionStep  p' = (p·decay | p) − lr·sign(m + (g − m)·c1),  m' = m + (g − m)·c2        c1 = 1 − β1, c2 = 1 − β2
//   AdamStep  m' = m + (g − m)·c1,  v' = v·β2 + (g·g)·c2,  p' = (p·decay | p) − (m' / (√v' / k2 + eps))·stepSize
// Bit-identical to the definitions' decompositions (one rounded op after another): the same
// operations in the same order on the same dtype, scalars rounded to the dtype first, and this
// file is compiled with -ffp-contract=off (binding.gyp: no fused multiply-adds). Plain loops the
// compiler vectorises for the baseline ISA: the steps are bound by memory, not arithmetic.
#include "ops.h"

namespace tessera {

namespace {

constexpr long kGrain = 1 << 15;

template <typename T>
inline T js_sign(T x) {
  // Math.sign: 1, -1, or x itself (0, -0, NaN).
  return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);
}

template <typename T>
void lion(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, void* p_out, void* m_out) {
  const T* ps = p.at<T>(0);
  const T* gs = g.at<T>(0);
  const T* ms = m.at<T>(0);
  T* po = static_cast<T*>(p_out);
  T* mo = static_cast<T*>(m_out);
  const T lr = (T)s.lr, c1 = (T)(1.0 - s.beta1), c2 = (T)(1.0 - s.beta2), decay = (T)s.decay;
  const bool decays = s.has_decay;
  parallel_ranges(cx.threads, p.size(), kGrain, [&](long begin, long end) {
    for (long i = begin; i < end; i++) {
      const T mi = ms[i], gi = gs[i];
      const T decayed = decays ? ps[i] * decay : ps[i];
      const T update = js_sign(mi + (gi - mi) * c1);
      po[i] = decayed - update * lr;
      mo[i] = mi + (gi - mi) * c2;
    }
  });
}

template <typename T>
void adam(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, const View& v, void* p_out, void* m_out,
          void* v_out) {
  const T* ps = p.at<T>(0);
  const T* gs = g.at<T>(0);
  const T* ms = m.at<T>(0);
  const T* vs = v.at<T>(0);
  T* po = static_cast<T*>(p_out);
  T* mo = static_cast<T*>(m_out);
  T* vo = static_cast<T*>(v_out);
  const T step = (T)s.lr, c1 = (T)(1.0 - s.beta1), beta2 = (T)s.beta2, c2 = (T)(1.0 - s.beta2), eps = (T)s.eps,
          k2 = (T)s.correction2, decay = (T)s.decay;
  const bool decays = s.has_decay;
  parallel_ranges(cx.threads, p.size(), kGrain, [&](long begin, long end) {
    for (long i = begin; i < end; i++) {
      const T gi = gs[i];
      const T decayed = decays ? ps[i] * decay : ps[i];
      const T m1 = ms[i] + (gi - ms[i]) * c1;
      const T v1 = vs[i] * beta2 + (gi * gi) * c2;
      const T denom = std::sqrt(v1) / k2 + eps;
      po[i] = decayed - (m1 / denom) * step;
      mo[i] = m1;
      vo[i] = v1;
    }
  });
}

}  // namespace

void lion_step(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, void* p_out, void* m_out) {
  if (p.dtype == F32) lion<float>(cx, s, p, g, m, p_out, m_out);
  else lion<double>(cx, s, p, g, m, p_out, m_out);
}

void adam_step(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, const View& v, void* p_out,
               void* m_out, void* v_out) {
  if (p.dtype == F32) adam<float>(cx, s, p, g, m, v, p_out, m_out, v_out);
  else adam<double>(cx, s, p, g, m, v, p_out, m_out, v_out);
}

}  // namespace tessera
