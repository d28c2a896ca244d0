// Elementwise kernels on strided inputs with a contiguous output:
//   unary    y[i] = f(x[i])                 float32 (ISA vector code), float64, int32
//   binary   y[i] = a[i] (op) b[i]          float32 (ISA vector code), float64, int32
//   compare  y[i] = a[i] (cmp) b[i] -> bool float32, float64, int32, bool
//   where    y[i] = c[i] ? a[i] : b[i]      any dtype (copied by element size)
//   cast     y[i] = convert(x[i])           every dtype pair, float16/bfloat16 included
//   copy     y (any strides) = x            any dtype (Copy, Concat)
// Inputs are walked in runs along the coalesced last dim (strided.h). float32 runs with unit or
// zero stride go straight to the ISA routines; other strides are gathered into a small buffer.
// int32 results follow the reference backend: computed as doubles, stored with ToInt32.
#include <cmath>
#include <cstring>

#include "half.h"
#include "ops.h"

namespace tessera {

namespace {

constexpr long kGrain = 1 << 16;  // elements per parallel range (memory-bound: a second thread pays off late)
constexpr long kChunk = 512;      // gather buffer for strided float32 runs

double scalar_unary(int op, double x, double p0, double p1) {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return std::fabs(x);
    case U_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    case U_EXP: return std::exp(x);
    case U_LOG: return std::log(x);
    case U_SQRT: return std::sqrt(x);
    case U_RSQRT: return 1.0 / std::sqrt(x);
    case U_TANH: return std::tanh(x);
    case U_SIGMOID: return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    case U_RELU: return x > 0 ? x : 0.0;
    case U_ERF: return std::erf(x);
    case U_GELU_TANH: return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    case U_GELU_ERF: return 0.5 * x * (1.0 + std::erf(x * 0.7071067811865476));
    case U_POW: return p0 == 2.0 ? x * x : std::pow(x, p0);
    case U_CLAMP: {
      const double r = x < p0 ? p0 : x;
      return r > p1 ? p1 : r;
    }
    default: return x;
  }
}

double scalar_binary(int op, double a, double b) {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_MAX: return (a >= b || a != a) ? a : b;
    case B_MIN: return (a <= b || a != a) ? a : b;
    default: return 0;
  }
}

template <typename T>
bool scalar_compare(int op, T a, T b) {
  switch (op) {
    case C_EQ: return a == b;
    case C_NE: return a != b;
    case C_LT: return a < b;
    case C_LE: return a <= b;
    case C_GT: return a > b;
    case C_GE: return a >= b;
    default: return false;
  }
}

double load_double(const void* base, int dtype, long i) {
  switch (dtype) {
    case F32: return static_cast<const float*>(base)[i];
    case F64: return static_cast<const double*>(base)[i];
    case F16: return half_to_float(static_cast<const uint16_t*>(base)[i]);
    case BF16: return bfloat16_to_float(static_cast<const uint16_t*>(base)[i]);
    case I32: return static_cast<const int32_t*>(base)[i];
    default: return static_cast<const uint8_t*>(base)[i];
  }
}

// Stores as the reference backend's encoders do (half formats round from float32).
void store_double(void* base, int dtype, long i, double v) {
  switch (dtype) {
    case F32: static_cast<float*>(base)[i] = (float)v; break;
    case F64: static_cast<double*>(base)[i] = v; break;
    case F16: static_cast<uint16_t*>(base)[i] = float_to_half((float)v); break;
    case BF16: static_cast<uint16_t*>(base)[i] = float_to_bfloat16((float)v); break;
    case I32: static_cast<int32_t*>(base)[i] = js_to_int32(v); break;
    default: static_cast<uint8_t*>(base)[i] = v != 0 ? 1 : 0; break;
  }
}

template <typename T>
void copy_runs(const Context& cx, const Walk& w, void* y, const void* x) {
  T* yb = static_cast<T*>(y);
  const T* xb = static_cast<const T*>(x);
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      T* yo = yb + off[0];
      const T* xo = xb + off[1];
      if (inner[0] == 1 && inner[1] == 1) std::memcpy(yo, xo, sizeof(T) * count);
      else
        for (long i = 0; i < count; i++) yo[i * inner[0]] = xo[i * inner[1]];
    });
  });
}

}  // namespace

void unary(const Context& cx, int op, double p0, double p1, const View& x, void* y) {
  const View* inputs[] = {&x};
  const Walk w = Walk::of(x.shape, x.rank, inputs, 1);
  if (x.dtype == F32) {
    float* yb = static_cast<float*>(y);
    const float* xb = x.at<float>(0);
    parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
      float buffer[kChunk];
      w.walk(begin, end, [&](long count, const long* off, const long* inner) {
        float* yo = yb + off[0];
        const float* xo = xb + off[1];
        if (inner[1] == 1) {
          cx.isa->unary_f32(op, xo, yo, count, p0, p1);
        } else if (inner[1] == 0) {
          cx.isa->unary_f32(op, xo, yo, 1, p0, p1);
          std::fill(yo + 1, yo + count, yo[0]);
        } else {
          for (long s = 0; s < count; s += kChunk) {
            const long c = std::min(kChunk, count - s);
            for (long i = 0; i < c; i++) buffer[i] = xo[(s + i) * inner[1]];
            cx.isa->unary_f32(op, buffer, yo + s, c, p0, p1);
          }
        }
      });
    });
    return;
  }
  const int dtype = x.dtype;
  const void* xb = static_cast<const char*>(x.data) + x.offset * dtype_size(dtype);
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      for (long i = 0; i < count; i++)
        store_double(y, dtype, off[0] + i, scalar_unary(op, load_double(xb, dtype, off[1] + i * inner[1]), p0, p1));
    });
  });
}

void binary(const Context& cx, int op, const View& a, const View& b, void* y) {
  const View* inputs[] = {&a, &b};
  const Walk w = Walk::of(a.shape, a.rank, inputs, 2);
  if (a.dtype == F32) {
    float* yb = static_cast<float*>(y);
    const float* ab = a.at<float>(0);
    const float* bb = b.at<float>(0);
    parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
      float abuf[kChunk], bbuf[kChunk];
      w.walk(begin, end, [&](long count, const long* off, const long* inner) {
        float* yo = yb + off[0];
        const float* ao = ab + off[1];
        const float* bo = bb + off[2];
        const long sa = inner[1], sb = inner[2];
        if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
          cx.isa->binary_f32(op, ao, sa, bo, sb, yo, count);
          return;
        }
        for (long s = 0; s < count; s += kChunk) {
          const long c = std::min(kChunk, count - s);
          const float* ap = ao + s * sa;
          const float* bp = bo + s * sb;
          long sa1 = sa, sb1 = sb;
          if (sa != 0 && sa != 1) {
            for (long i = 0; i < c; i++) abuf[i] = ap[i * sa];
            ap = abuf;
            sa1 = 1;
          }
          if (sb != 0 && sb != 1) {
            for (long i = 0; i < c; i++) bbuf[i] = bp[i * sb];
            bp = bbuf;
            sb1 = 1;
          }
          cx.isa->binary_f32(op, ap, sa1, bp, sb1, yo + s, c);
        }
      });
    });
    return;
  }
  const int dtype = a.dtype;
  const size_t size = dtype_size(dtype);
  const void* ab = static_cast<const char*>(a.data) + a.offset * size;
  const void* bb = static_cast<const char*>(b.data) + b.offset * size;
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      for (long i = 0; i < count; i++) {
        const double u = load_double(ab, dtype, off[1] + i * inner[1]);
        const double v = load_double(bb, dtype, off[2] + i * inner[2]);
        store_double(y, dtype, off[0] + i, scalar_binary(op, u, v));
      }
    });
  });
}

namespace {

template <typename T>
void compare_typed(const Context& cx, int op, const Walk& w, const T* ab, const T* bb, uint8_t* y) {
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      uint8_t* yo = y + off[0];
      const T* ao = ab + off[1];
      const T* bo = bb + off[2];
      const long sa = inner[1], sb = inner[2];
      // One loop per op, so the comparison is not re-dispatched per element (it vectorises).
      switch (op) {
        case C_EQ: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] == bo[i * sb]; break;
        case C_NE: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] != bo[i * sb]; break;
        case C_LT: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] < bo[i * sb]; break;
        case C_LE: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] <= bo[i * sb]; break;
        case C_GT: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] > bo[i * sb]; break;
        case C_GE: for (long i = 0; i < count; i++) yo[i] = ao[i * sa] >= bo[i * sb]; break;
        default: for (long i = 0; i < count; i++) yo[i] = scalar_compare(op, ao[i * sa], bo[i * sb]); break;
      }
    });
  });
}

template <typename T>
void where_typed(const Context& cx, const Walk& w, const uint8_t* cb, const T* ab, const T* bb, T* y) {
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      for (long i = 0; i < count; i++)
        y[off[0] + i] = cb[off[1] + i * inner[1]] ? ab[off[2] + i * inner[2]] : bb[off[3] + i * inner[3]];
    });
  });
}

}  // namespace

void compare(const Context& cx, int op, const View& a, const View& b, uint8_t* y) {
  const View* inputs[] = {&a, &b};
  const Walk w = Walk::of(a.shape, a.rank, inputs, 2);
  switch (a.dtype) {
    case F32: compare_typed(cx, op, w, a.at<float>(0), b.at<float>(0), y); break;
    case F64: compare_typed(cx, op, w, a.at<double>(0), b.at<double>(0), y); break;
    case I32: compare_typed(cx, op, w, a.at<int32_t>(0), b.at<int32_t>(0), y); break;
    case F16: case BF16: {
      // Not reached through the engine (it computes half dtypes in float32); compare decoded values.
      parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
        w.walk(begin, end, [&](long count, const long* off, const long* inner) {
          for (long i = 0; i < count; i++)
            y[off[0] + i] = scalar_compare(op, load_double(a.at<uint16_t>(0), a.dtype, off[1] + i * inner[1]),
                                           load_double(b.at<uint16_t>(0), b.dtype, off[2] + i * inner[2]));
        });
      });
      break;
    }
    default: compare_typed(cx, op, w, a.at<uint8_t>(0), b.at<uint8_t>(0), y); break;
  }
}

void where(const Context& cx, const View& cond, const View& a, const View& b, void* y) {
  const View* inputs[] = {&cond, &a, &b};
  const Walk w = Walk::of(a.shape, a.rank, inputs, 3);
  const uint8_t* cb = cond.at<uint8_t>(0);
  switch (dtype_size(a.dtype)) {
    case 8: where_typed(cx, w, cb, a.at<uint64_t>(0), b.at<uint64_t>(0), static_cast<uint64_t*>(y)); break;
    case 4: where_typed(cx, w, cb, a.at<uint32_t>(0), b.at<uint32_t>(0), static_cast<uint32_t*>(y)); break;
    case 2: where_typed(cx, w, cb, a.at<uint16_t>(0), b.at<uint16_t>(0), static_cast<uint16_t*>(y)); break;
    default: where_typed(cx, w, cb, a.at<uint8_t>(0), b.at<uint8_t>(0), static_cast<uint8_t*>(y)); break;
  }
}

namespace {

template <typename From, typename To>
void cast_run(const void* xb, long xo, long sx, void* y, long yo, long count) {
  const From* xs = static_cast<const From*>(xb) + xo;
  To* ys = static_cast<To*>(y) + yo;
  if (sx == 1) {
    for (long i = 0; i < count; i++) ys[i] = (To)xs[i];
  } else {
    for (long i = 0; i < count; i++) ys[i] = (To)xs[i * sx];
  }
}

// The common conversions in one typed loop each (the same values as the double round trip:
// bool is 0/1, int32 and float32 are exact in double, and double -> float rounds once).
bool cast_fast(int from, int to, const void* xb, long xo, long sx, void* y, long yo, long count) {
  if (from == BOOL && to == F32) cast_run<uint8_t, float>(xb, xo, sx, y, yo, count);
  else if (from == BOOL && to == F64) cast_run<uint8_t, double>(xb, xo, sx, y, yo, count);
  else if (from == I32 && to == F32) cast_run<int32_t, float>(xb, xo, sx, y, yo, count);
  else if (from == I32 && to == F64) cast_run<int32_t, double>(xb, xo, sx, y, yo, count);
  else if (from == F32 && to == F64) cast_run<float, double>(xb, xo, sx, y, yo, count);
  else if (from == F64 && to == F32) cast_run<double, float>(xb, xo, sx, y, yo, count);
  else return false;
  return true;
}

}  // namespace

void cast(const Context& cx, const View& x, int dtype, void* y) {
  const View* inputs[] = {&x};
  const Walk w = Walk::of(x.shape, x.rank, inputs, 1);
  const int from = x.dtype;
  const void* xb = static_cast<const char*>(x.data) + x.offset * dtype_size(from);
  if (from == dtype) {
    copy_into(cx, x, y, nullptr);
    return;
  }
  parallel_ranges(cx.threads, w.size(), kGrain, [&](long begin, long end) {
    w.walk(begin, end, [&](long count, const long* off, const long* inner) {
      if (from == F32 && dtype == F16) {
        const float* xs = static_cast<const float*>(xb) + off[1];
        uint16_t* ys = static_cast<uint16_t*>(y) + off[0];
        for (long i = 0; i < count; i++) ys[i] = float_to_half(xs[i * inner[1]]);
      } else if (from == F16 && dtype == F32) {
        const uint16_t* xs = static_cast<const uint16_t*>(xb) + off[1];
        float* ys = static_cast<float*>(y) + off[0];
        for (long i = 0; i < count; i++) ys[i] = half_to_float(xs[i * inner[1]]);
      } else if (!cast_fast(from, dtype, xb, off[1], inner[1], y, off[0], count)) {
        for (long i = 0; i < count; i++) store_double(y, dtype, off[0] + i, load_double(xb, from, off[1] + i * inner[1]));
      }
    });
  });
}

void copy_into(const Context& cx, const View& x, void* y, const long* ystrides) {
  const View* inputs[] = {&x};
  const Walk w = Walk::of(x.shape, x.rank, inputs, 1, ystrides);
  const size_t size = dtype_size(x.dtype);
  const void* xb = static_cast<const char*>(x.data) + x.offset * size;
  switch (size) {
    case 8: copy_runs<uint64_t>(cx, w, y, xb); break;
    case 4: copy_runs<uint32_t>(cx, w, y, xb); break;
    case 2: copy_runs<uint16_t>(cx, w, y, xb); break;
    default: copy_runs<uint8_t>(cx, w, y, xb); break;
  }
}

}  // namespace tessera
