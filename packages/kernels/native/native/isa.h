// The routines compiled once per instruction set (isa-avx512.cc, isa-avx2.cc, isa-sse.cc, all
// from isa-impl.inc) and the run-time choice between them (cpu.cc).
//
// Only float32/float64 hot loops live here: gemm, contiguous elementwise maps, row reductions and
// the fused softmax / layer-norm rows. Everything else (strides, dtypes, threading) is ISA-neutral
// code in the other translation units, compiled for the baseline.
#pragma once

#include "common.h"

namespace tessera {

// Elementwise maps on contiguous float32 (unary) and on contiguous-or-broadcast pairs (binary).
enum UnaryOp : int {
  U_NEG, U_ABS, U_SIGN, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_TANH, U_SIGMOID, U_RELU, U_ERF,
  U_GELU_TANH, U_GELU_ERF, U_POW, U_CLAMP, U_COUNT
};
enum BinaryOp : int { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_COUNT };

// The pieces of the gemm for one element type, for drivers that share work between threads.
template <typename T>
struct GemmKernels {
  int mr, nr, kc, mc;  // register tile and blocking
  // The whole product on the calling thread (packs into ws).
  void (*gemm)(const GemmProblem<T>& p, Workspace& ws);
  // Pack rows [0, kc) x columns [0, ncols) of B into NR-wide micro-panels: the panel of column q
  // (a multiple of NR) at out + q * kc, zero-padded past ncols.
  void (*pack_b)(long kc, long ncols, const T* b, long rs, long cs, T* out);
  // C[0:m, j0:j1) = A[0:m, 0:k] B[:, j0:j1) with B already packed: k blocks of KC rows, block i at
  // packed + i * KC * ldp, each laid out as pack_b writes it. m <= mc; A is packed into ws.
  void (*gemm_packed)(long m, long k, const T* a, long rsa, long csa, const T* packed, long ldp, long j0, long j1,
                      T* c, long ldc, Workspace& ws);
  // Decoding against a half weight (gemm.cc matmul_half): C[0:m, 0:n) (row stride ldc) = A[m, k]
  // (float32, unit column stride, row stride rsa) times W[n, k]^T, W 16-bit rows of stride ldw
  // (bfloat16 when bf16, else float16), m <= 4: small_m_f32's dot products, W converted as loaded.
  void (*dot_half)(long m, long n, long k, const float* a, long rsa, const uint16_t* w, long ldw, bool bf16, float* c, long ldc);
};

// Fused attention on contiguous float32 tensors (see attention.cc for the math and threading):
//   q [B, H, Tq, hd], k, v [B, G, Tk, hd], mask [B, Tk] (1 = attend) or null, slopes [H] or null.
// Forward fills out [B, H, Tq, hd]; backward reads out and dout and fills dq, dk, dv.
struct AttentionProblem {
  long B, H, G, Tq, Tk, hd;
  float scale;
  bool causal;
  const double* slopes;
  const uint8_t* mask;
  const float *q, *k, *v, *out, *dout;
  float *y, *dq, *dk, *dv;
};

struct IsaTable {
  const char* name;
  int mr, nr;  // float32 register tile (the driver splits work on multiples of it)
  GemmKernels<float> gemm32;
  GemmKernels<double> gemm64;
  // y[i] = f(x[i]); p0, p1: exponent (U_POW) or bounds (U_CLAMP).
  void (*unary_f32)(int op, const float* x, float* y, long n, double p0, double p1);
  // y[i] = a[i * sa] (op) b[i * sb], sa and sb in {0, 1}.
  void (*binary_f32)(int op, const float* a, long sa, const float* b, long sb, float* y, long n);
  double (*sum_f32)(const float* x, long n);
  float (*max_f32)(const float* x, long n);  // NaN-propagating
  float (*min_f32)(const float* x, long n);
  float (*logsumexp_f32)(const float* x, long n);  // -inf row -> -inf; +inf/NaN propagate
  // acc[i] += x[i]
  void (*accumulate_f32)(float* acc, const float* x, long n);
  // Softmax or log-softmax of `rows` contiguous rows of length n.
  void (*softmax_rows_f32)(const float* x, float* y, long rows, long n, bool log);
  // One [n, inner] slab, normalised over n (vectorised across inner).
  void (*softmax_cols_f32)(const float* x, float* y, long n, long inner, bool log);
  void (*layernorm_rows_f32)(const float* x, const float* w, const float* b, float* y, long rows, long n, float eps);
  // Attention forward for query rows [i0, i0 + rows) of head h of batch b (rows <= kAttentionRows).
  void (*attention_forward_f32)(const AttentionProblem& p, long b, long h, long i0, long rows);
  // Attention backward for key/value head g of batch b: dq of the group's query heads, dk and dv of g.
  void (*attention_backward_f32)(const AttentionProblem& p, long b, long g);
  // C[0:m, j0:j1) = A B for m <= 4 without packing, when csb == 1, or rsb == 1 and csa == 1
  // (see isa-impl.inc); j0 a multiple of 2 * lanes.
  void (*small_m_f32)(long m, long k, const float* a, long rsa, long csa, const float* b, long rsb, long csb, float* c, long ldc,
                      long j0, long j1);
  // Fused backward rows (isa-backward.inc): dx = dy * gelu'(x); LayerNorm dx rows with dw/db
  // accumulated into float partials (db may be null); one cross-entropy row (softmax - onehot) * scale.
  void (*gelu_backward_f32)(const float* dy, const float* x, float* dx, long n, bool tanh_form);
  void (*layernorm_backward_rows_f32)(const float* dy, const float* x, const float* w, float* dx, float* dw, float* db, long rows,
                                      long n, float eps);
  void (*cross_entropy_backward_row_f32)(const float* x, float* y, long n, long t, float scale);
};

// Query rows per forward task and keys per tile of the fused attention.
constexpr long kAttentionRows = 64;
constexpr long kAttentionKeys = 64;

const IsaTable* isa_avx512();
const IsaTable* isa_avx2();
const IsaTable* isa_sse();

// ISA names in preference order, whether each is compiled in and supported by this CPU.
struct IsaChoice {
  const char* name;
  const IsaTable* table;  // null when not usable here
  const char* why_not;    // reason when table is null
};
int isa_choices(IsaChoice* out, int capacity);
const IsaTable* isa_by_name(const char* name);

}  // namespace tessera
