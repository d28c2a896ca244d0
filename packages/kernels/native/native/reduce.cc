// Reductions over a set of axes of a strided input: x viewed as (kept dims) x (reduced dims),
//   Sum y[o] = sum_r x[o, r]      Max/Min y[o] = max_r/min_r x[o, r] (NaN propagates)
//   LogSumExp y[o] = m + log(sum_r exp(x[o, r] - m)), m = max_r x[o, r] (infinite m returned as is)
//   ArgMax/ArgMin y[o] = first index of the max/min along the single reduced axis (int32; a NaN wins)
// Paths: float32 rows that are contiguous go to the ISA routines; a float32 sum over leading axes
// with a contiguous kept last dim adds whole rows (bias gradients); everything else walks a table
// of reduced offsets, accumulating in double. Every output is computed by one thread, and a single
// long contiguous sum is split into fixed chunks added in order, so results do not depend on the
// thread count.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops.h"

namespace tessera {

namespace {

struct Group {
  int rank = 0;
  long shape[kMaxRank];
  long strides[kMaxRank];
  long size() const {
    long n = 1;
    for (int d = 0; d < rank; d++) n *= shape[d];
    return n;
  }
  void add(long extent, long stride) {
    if (extent == 1) return;
    if (rank > 0 && strides[rank - 1] == stride * extent) {
      shape[rank - 1] *= extent;
      strides[rank - 1] = stride;
      return;
    }
    shape[rank] = extent;
    strides[rank] = stride;
    rank++;
  }
  // Offset of flat (row-major) index i.
  long offset_of(long i) const {
    long off = 0;
    for (int d = rank - 1; d >= 0; d--) {
      off += (i % shape[d]) * strides[d];
      i /= shape[d];
    }
    return off;
  }
};

constexpr long kSumChunk = 1 << 16;

template <typename T>
double row_value(int op, const T* x, const long* table, long count) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (op) {
    case R_SUM: {
      double acc = 0;
      for (long r = 0; r < count; r++) acc += (double)x[table[r]];
      return acc;
    }
    case R_MAX:
    case R_MIN:
    case R_LOGSUMEXP: {
      const bool is_min = op == R_MIN;
      double acc = is_min ? inf : -inf;
      for (long r = 0; r < count; r++) {
        const double v = (double)x[table[r]];
        if ((is_min ? v < acc : v > acc) || v != v) acc = v;
        if (acc != acc) break;
      }
      if (op != R_LOGSUMEXP || !std::isfinite(acc)) return acc;
      double total = 0;
      for (long r = 0; r < count; r++) total += std::exp((double)x[table[r]] - acc);
      return acc + std::log(total);
    }
    default: {  // argmax / argmin
      double best = (double)x[table[0]];
      long index = 0;
      for (long r = 1; r < count; r++) {
        const double v = (double)x[table[r]];
        if (best != best) break;
        if ((op == R_ARGMAX ? v > best : v < best) || v != v) {
          best = v;
          index = r;
        }
      }
      return (double)index;
    }
  }
}

template <typename T>
void store_result(void* y, long o, int op, double v) {
  if (op == R_ARGMAX || op == R_ARGMIN) static_cast<int32_t*>(y)[o] = (int32_t)v;
  else if (std::is_same<T, int32_t>::value) static_cast<int32_t*>(y)[o] = js_to_int32(v);
  else static_cast<T*>(y)[o] = (T)v;
}

template <typename T>
void reduce_generic(const Context& cx, int op, const T* x, const Group& kept, const Group& reduced, void* y) {
  const long outputs = kept.size();
  const long count = reduced.size();
  std::vector<long> table(count);
  for (long r = 0; r < count; r++) table[r] = reduced.offset_of(r);
  parallel_ranges(cx.threads, outputs, std::max<long>(1, (1 << 15) / std::max<long>(count, 1)), [&](long begin, long end) {
    for (long o = begin; o < end; o++) store_result<T>(y, o, op, row_value(op, x + kept.offset_of(o), table.data(), count));
  });
}

bool reduce_f32_fast(const Context& cx, int op, const float* x, const Group& kept, const Group& reduced, float* y) {
  const long outputs = kept.size();
  const long count = reduced.size();
  const IsaTable* isa = cx.isa;
  if (reduced.rank == 1 && reduced.strides[0] == 1 && op <= R_LOGSUMEXP) {
    if (outputs == 1 && op == R_SUM && count > 2 * kSumChunk) {
      const long chunks = (count + kSumChunk - 1) / kSumChunk;
      std::vector<double> partial(chunks);
      parallel_ranges(cx.threads, chunks, 1, [&](long begin, long end) {
        for (long c = begin; c < end; c++) partial[c] = isa->sum_f32(x + c * kSumChunk, std::min(kSumChunk, count - c * kSumChunk));
      });
      double total = 0;
      for (double p : partial) total += p;
      y[0] = (float)total;
      return true;
    }
    parallel_ranges(cx.threads, outputs, std::max<long>(1, (1 << 15) / std::max<long>(count, 1)), [&](long begin, long end) {
      for (long o = begin; o < end; o++) {
        const float* row = x + kept.offset_of(o);
        switch (op) {
          case R_SUM: y[o] = (float)isa->sum_f32(row, count); break;
          case R_MAX: y[o] = isa->max_f32(row, count); break;
          case R_MIN: y[o] = isa->min_f32(row, count); break;
          default: y[o] = isa->logsumexp_f32(row, count); break;
        }
      }
    });
    return true;
  }
  if (op == R_SUM && kept.rank >= 1 && kept.strides[kept.rank - 1] == 1 && kept.shape[kept.rank - 1] >= 16) {
    // y[outer, j] = sum_r x[outer, r, j]: add whole rows, split across threads by columns.
    const long inner = kept.shape[kept.rank - 1];
    Group outer = kept;
    outer.rank--;
    const long outers = outer.size();
    std::vector<long> table(count);
    for (long r = 0; r < count; r++) table[r] = reduced.offset_of(r);
    const long columns = std::max<long>(64, inner / std::max(cx.threads, 1));
    const long parts = (inner + columns - 1) / columns;
    parallel_ranges(cx.threads, outers * parts, std::max<long>(1, (1 << 15) / std::max<long>(count * columns, 1)), [&](long begin, long end) {
      for (long t = begin; t < end; t++) {
        const long o = t / parts;
        const long j0 = (t % parts) * columns;
        const long width = std::min(columns, inner - j0);
        float* acc = y + o * inner + j0;
        const float* base = x + outer.offset_of(o) + j0;
        std::fill(acc, acc + width, 0.0f);
        for (long r = 0; r < count; r++) isa->accumulate_f32(acc, base + table[r], width);
      }
    });
    return true;
  }
  return false;
}

}  // namespace

void reduce(const Context& cx, int op, const View& x, uint32_t axes, void* y) {
  Group kept, reduced;
  for (int d = 0; d < x.rank; d++) {
    if (axes & (1u << d)) reduced.add(x.shape[d], x.strides[d]);
    else kept.add(x.shape[d], x.strides[d]);
  }
  const long outputs = kept.size();
  const long count = reduced.size();
  if (outputs == 0) return;
  if (count == 0) {
    // Only Sum (0) and LogSumExp (-inf) accept an empty reduction.
    for (long o = 0; o < outputs; o++) {
      if (x.dtype == F32) static_cast<float*>(y)[o] = op == R_SUM ? 0.0f : -std::numeric_limits<float>::infinity();
      else if (x.dtype == F64) static_cast<double*>(y)[o] = op == R_SUM ? 0.0 : -std::numeric_limits<double>::infinity();
      else static_cast<int32_t*>(y)[o] = 0;
    }
    return;
  }
  switch (x.dtype) {
    case F32:
      if (!reduce_f32_fast(cx, op, x.at<float>(0), kept, reduced, static_cast<float*>(y)))
        reduce_generic(cx, op, x.at<float>(0), kept, reduced, y);
      break;
    case F64: reduce_generic(cx, op, x.at<double>(0), kept, reduced, y); break;
    case I32: reduce_generic(cx, op, x.at<int32_t>(0), kept, reduced, y); break;
    default: reduce_generic(cx, op, x.at<uint8_t>(0), kept, reduced, y); break;
  }
}

}  // namespace tessera
