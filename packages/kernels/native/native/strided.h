// Strided views and how the ISA-neutral kernels walk them.
//
// A View is what a TypeScript TensorInfo carries: a base pointer (the buffer's typed array), a
// dtype, and (shape, strides, offset) in elements. A Walk is several operands of one shape (the
// output first, contiguous) whose dims are coalesced where every operand is contiguous across them;
// walk() then visits a flat range of elements as runs along the last dim, handing each run's
// element offsets and inner strides to a callback.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common.h"
#include "isa.h"

namespace tessera {

constexpr int kMaxRank = 16;
constexpr int kMaxOperands = 4;

struct View {
  void* data = nullptr;
  int dtype = F32;
  int rank = 0;
  long offset = 0;
  long shape[kMaxRank] = {};
  long strides[kMaxRank] = {};
  long size() const {
    long n = 1;
    for (int d = 0; d < rank; d++) n *= shape[d];
    return n;
  }
  template <typename T>
  T* at(long element) const { return static_cast<T*>(data) + offset + element; }
  bool contiguous() const {
    long expected = 1;
    for (int d = rank - 1; d >= 0; d--) {
      if (shape[d] != 1 && strides[d] != expected) return false;
      expected *= shape[d];
    }
    return true;
  }
};

// What every kernel receives besides its operands: the ISA table and the thread budget.
struct Context {
  const IsaTable* isa;
  int threads;
};

struct Walk {
  int rank = 0;
  int operands = 0;
  long shape[kMaxRank] = {};
  long strides[kMaxOperands][kMaxRank] = {};

  // Operand 0 is the output of `shape` (contiguous unless `out_strides` is given); the others are
  // views of the same shape.
  static Walk of(const long* shape, int rank, const View* const* inputs, int count, const long* out_strides = nullptr) {
    Walk w;
    w.operands = count + 1;
    long expected = 1;
    for (int d = rank - 1; d >= 0; d--) {
      w.strides[0][d] = out_strides ? out_strides[d] : expected;
      expected *= shape[d];
    }
    for (int i = 0; i < count; i++)
      for (int d = 0; d < rank; d++) w.strides[i + 1][d] = inputs[i]->strides[d];
    for (int d = 0; d < rank; d++) w.shape[d] = shape[d];
    w.rank = rank;
    w.coalesce();
    return w;
  }

  // Drop size-1 dims; merge dim d into d + 1 where every operand steps contiguously across them.
  void coalesce() {
    int out = 0;
    for (int d = 0; d < rank; d++) {
      if (shape[d] == 1) continue;
      if (out > 0) {
        bool mergeable = true;
        for (int o = 0; o < operands; o++)
          if (strides[o][out - 1] != strides[o][d] * shape[d]) mergeable = false;
        if (mergeable) {
          shape[out - 1] *= shape[d];
          for (int o = 0; o < operands; o++) strides[o][out - 1] = strides[o][d];
          continue;
        }
      }
      shape[out] = shape[d];
      for (int o = 0; o < operands; o++) strides[o][out] = strides[o][d];
      out++;
    }
    if (out == 0) {
      shape[0] = 1;
      for (int o = 0; o < operands; o++) strides[o][0] = 1;
      out = 1;
    }
    rank = out;
  }

  long size() const {
    long n = 1;
    for (int d = 0; d < rank; d++) n *= shape[d];
    return n;
  }

  // f(count, offsets[operands], inner[operands]) for runs covering [begin, end).
  template <class F>
  void walk(long begin, long end, F&& f) const {
    if (begin >= end) return;
    long index[kMaxRank];
    long rest = begin;
    for (int d = rank - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    long inner[kMaxOperands];
    for (int o = 0; o < operands; o++) inner[o] = strides[o][rank - 1];
    long position = begin;
    while (position < end) {
      long offsets[kMaxOperands];
      for (int o = 0; o < operands; o++) {
        long off = 0;
        for (int d = 0; d < rank; d++) off += index[d] * strides[o][d];
        offsets[o] = off;
      }
      const long count = std::min(shape[rank - 1] - index[rank - 1], end - position);
      f(count, offsets, inner);
      position += count;
      index[rank - 1] += count;
      for (int d = rank - 1; d > 0 && index[d] == shape[d]; d--) {
        index[d] = 0;
        index[d - 1]++;
      }
    }
  }
};

// Split [0, total) into about `threads` equal ranges when there is enough work (`grain` elements
// per range at least) and run f(begin, end) on each, in parallel.
template <class F>
void parallel_ranges(int threads, long total, long grain, F&& f);

// JavaScript's ToInt32 of Math.trunc(v): what storing a number into an Int32Array does.
inline int32_t js_to_int32(double v) {
  if (!std::isfinite(v)) return 0;
  const double t = std::trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return (int32_t)t;
  double m = std::fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}

}  // namespace tessera

#include "pool.h"

namespace tessera {

template <class F>
void parallel_ranges(int threads, long total, long grain, F&& f) {
  if (total <= 0) return;
  long parts = std::min<long>(threads, (total + grain - 1) / std::max<long>(grain, 1));
  if (parts <= 1) {
    f(0L, total);
    return;
  }
  parallel_for((int)parts, parts, [&](long part) {
    const long begin = total * part / parts;
    const long end = total * (part + 1) / parts;
    f(begin, end);
  });
}

}  // namespace tessera
