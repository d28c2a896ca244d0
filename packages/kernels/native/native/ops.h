// The kernels the addon exposes, ISA-neutral: they handle dtypes, strides and threading, and call
// the chosen ISA table for float32 inner loops and gemm. Outputs are contiguous buffers of the
// output dtype, already allocated (zero-filled) by the TypeScript side.
#pragma once

#include "strided.h"

namespace tessera {

// Ops on top of UnaryOp/BinaryOp (isa.h) that only the ISA-neutral code knows.
enum CompareOp : int { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum ReduceOp : int { R_SUM, R_MAX, R_MIN, R_LOGSUMEXP, R_ARGMAX, R_ARGMIN };

void unary(const Context& cx, int op, double p0, double p1, const View& x, void* y);
void binary(const Context& cx, int op, const View& a, const View& b, void* y);
void compare(const Context& cx, int op, const View& a, const View& b, uint8_t* y);
void where(const Context& cx, const View& cond, const View& a, const View& b, void* y);
void cast(const Context& cx, const View& x, int dtype, void* y);
// y (base pointer, strides in elements) = x, elementwise, same dtype (Copy, Concat).
void copy_into(const Context& cx, const View& x, void* y, const long* ystrides);
// Reduce over the dims whose bit is set in `axes`; y holds the kept dims, row-major.
void reduce(const Context& cx, int op, const View& x, uint32_t axes, void* y);
void matmul(const Context& cx, const View& a, const View& b, void* y, int y_dtype);
void softmax(const Context& cx, const View& x, int axis, bool log, void* y);
void layer_norm(const Context& cx, const View& x, const View& w, const View* b, double eps, void* y);
// These return the flat position of the first invalid id or target, or -1.
long cross_entropy(const Context& cx, const View& logits, const View& targets, long ignore, void* y);
long gather(const Context& cx, const View& weight, const View& ids, void* y);
long scatter_add(const Context& cx, const View& dy, const View& ids, long rows, void* y);
// Fused backward kernels (nn.cc): dx = dy * gelu'(x); layer norm dx, dw and db (db may be null);
// cross-entropy dlogits (dy a one-element view; returns the first invalid target or -1).
void gelu_backward(const Context& cx, const View& dy, const View& x, bool tanh_form, void* dx);
void layer_norm_backward(const Context& cx, const View& dy, const View& x, const View& w, double eps, void* dx, void* dw, void* db);
long cross_entropy_backward(const Context& cx, const View& logits, const View& targets, const View& dy, long ignore, void* y);

// Fused attention (attention.cc): geometry from q [B, H, Tq, hd] and k [B, G, Tk, hd]; slopes [H]
// (ALiBi) and mask [B, Tk] (1 = attend) may be null.
struct AttentionArgs {
  long B, H, G, Tq, Tk, hd;
  double scale;
  bool causal;
  const double* slopes;
  const uint8_t* mask;
};
void attention_forward(const Context& cx, const AttentionArgs& a, const View& q, const View& k, const View& v, void* y);
// Fused optimizer steps (optim.cc, compiled without FMA contraction): lr is LionStep's lr or
// AdamStep's stepSize; eps and correction2 are Adam's.
struct OptimizerStep {
  double lr, beta1, beta2, eps, correction2, decay;
  bool has_decay;
};
void lion_step(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, void* p_out, void* m_out);
void adam_step(const Context& cx, const OptimizerStep& s, const View& p, const View& g, const View& m, const View& v, void* p_out,
               void* m_out, void* v_out);
void attention_backward(const Context& cx, const AttentionArgs& a, const View& q, const View& k, const View& v, const View& out,
                        const View& dout, void* dq, void* dk, void* dv);

}  // namespace tessera
