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
void matmul(const Context& cx, const View& a, const View& b, void* y);
void softmax(const Context& cx, const View& x, int axis, bool log, void* y);
void layer_norm(const Context& cx, const View& x, const View& w, const View* b, double eps, void* y);
// These return the flat position of the first invalid id or target, or -1.
long cross_entropy(const Context& cx, const View& logits, const View& targets, long ignore, void* y);
long gather(const Context& cx, const View& weight, const View& ids, void* y);
long scatter_add(const Context& cx, const View& dy, const View& ids, long rows, void* y);

}  // namespace tessera
