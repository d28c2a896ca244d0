// Batched matmul: a [...batch, M, K] @ b [...batch, K, N] -> y [...batch, M, N] (contiguous),
// operands through any strides (transposed, sliced, stride-0 broadcast batch dims).
//
// Threading (the serial BLIS-style gemm and its pieces are in isa-gemm.inc):
// - products of at most four rows (decoding) skip packing: dot products or row updates over fixed
//   chunks of columns (isa-impl.inc small_m_f32), float32;
// - small products run on the calling thread;
// - a batch of many matrices hands whole matrices to the threads (each packs its own panels);
// - otherwise each matrix is shared: the threads first pack a chunk of B (all of K, up to 16 MB)
//   into one shared buffer, then take blocks of rows (and, when M is short, ranges of columns)
//   from a queue, each packing its own rows of A. B is packed once, and with several blocks per
//   thread a thread slowed by other load does not hold the others up.
// Every output element is computed by one thread with the same k blocking and order, so results
// do not depend on the thread count.
#include <type_traits>
#include <vector>

#include "half.h"
#include "ops.h"

namespace tessera {

Workspace& thread_workspace() {
  static thread_local Workspace workspace;
  return workspace;
}

namespace {

constexpr double kSerialFlops = 4.0e5;      // below this, threads cost more than they give
constexpr double kWholeMatrixFlops = 4.0e6;  // batches of matrices this small go whole to threads
constexpr size_t kSharedPanelBytes = 16u << 20;
constexpr long kSmallRows = 4;     // products with at most this many rows skip packing
constexpr long kSmallChunk = 256;  // ... and split their columns in chunks this wide

inline long round_up(long v, long to) { return (v + to - 1) / to * to; }

template <typename T>
void zero_fill(const GemmProblem<T>& p) {
  for (long i = 0; i < p.m; i++) std::fill(p.c + i * p.ldc, p.c + i * p.ldc + p.n, T(0));
}

// One matrix, all threads: shared packed B, a queue of row blocks x column ranges.
template <typename T>
void gemm_shared(int threads, const GemmKernels<T>& g, const GemmProblem<T>& p) {
  if (p.k == 0) return zero_fill(p);
  const long NR = g.nr, MR = g.mr, KC = g.kc;
  const long blocks = (p.k + KC - 1) / KC;
  const long k_padded = blocks * KC;
  const long chunk = std::max(NR, std::min(round_up(p.n, NR), (long)(kSharedPanelBytes / (sizeof(T) * k_padded)) / NR * NR));
  T* packed = static_cast<T*>(thread_workspace().shared_b.get(sizeof(T) * k_padded * chunk));
  // Rows per task: whole register tiles, at most one A block, and a number of blocks that is a
  // multiple of the thread count (at least four per thread) so that the last round is full.
  const long wanted = round_up(std::max<long>(4 * threads, (p.m + g.mc - 1) / g.mc), threads);
  const long rows = std::min<long>(g.mc, std::max(4 * MR, round_up((p.m + wanted - 1) / wanted, MR)));
  const long row_blocks = (p.m + rows - 1) / rows;
  for (long jc = 0; jc < p.n; jc += chunk) {
    const long nc = std::min(chunk, p.n - jc);
    const long ldp = round_up(nc, NR);
    const long panels = ldp / NR;
    const long groups = std::min<long>(panels, 2 * threads);
    parallel_for(threads, blocks * groups, [&](long t) {
      const long block = t / groups, group = t % groups;
      const long q0 = panels * group / groups * NR;
      const long q1 = std::min(nc, panels * (group + 1) / groups * NR);
      if (q0 >= q1) return;
      const long kc = std::min(KC, p.k - block * KC);
      g.pack_b(kc, q1 - q0, p.b + block * KC * p.rsb + (jc + q0) * p.csb, p.rsb, p.csb, packed + block * KC * ldp + q0 * kc);
    });
    const long parts = std::min(panels, std::max(1L, (4 * threads + row_blocks - 1) / row_blocks));
    parallel_for(threads, row_blocks * parts, [&](long t) {
      const long i0 = t / parts * rows;
      const long part = t % parts;
      const long q0 = panels * part / parts * NR;
      const long q1 = std::min(nc, panels * (part + 1) / parts * NR);
      if (q0 >= q1) return;
      g.gemm_packed(std::min(rows, p.m - i0), p.k, p.a + i0 * p.rsa, p.rsa, p.csa, packed, ldp, q0, q1,
                    p.c + i0 * p.ldc + jc, p.ldc, thread_workspace());
    });
  }
}

template <typename T>
void matmul_typed(const Context& cx, const GemmKernels<T>& g, const View& a, const View& b, T* y) {
  const int r = a.rank;
  const long M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 1];
  long batch = 1;
  for (int d = 0; d < r - 2; d++) batch *= a.shape[d];
  if (batch == 0 || M == 0 || N == 0) return;
  const T* ab = static_cast<const T*>(a.data);
  const T* bb = static_cast<const T*>(b.data);
  auto problem = [&](long i) {
    long rest = i, ao = a.offset, bo = b.offset;
    for (int d = r - 3; d >= 0; d--) {
      const long index = rest % a.shape[d];
      rest /= a.shape[d];
      ao += index * a.strides[d];
      bo += index * b.strides[d];
    }
    return GemmProblem<T>{M, N, K, ab + ao, a.strides[r - 2], a.strides[r - 1], bb + bo, b.strides[r - 2], b.strides[r - 1], y + i * M * N, N};
  };
  const double per_matrix = 2.0 * M * N * K;
  const int threads = per_matrix * batch < kSerialFlops ? 1 : cx.threads;
  if constexpr (std::is_same<T, float>::value) {
    // A few rows (decoding): no packing, columns split in fixed chunks between the threads.
    const long rsa = a.strides[r - 2], csa = a.strides[r - 1], rsb = b.strides[r - 2], csb = b.strides[r - 1];
    if (M <= kSmallRows && K > 0 && (csb == 1 || (rsb == 1 && (csa == 1 || K == 1)))) {
      const long chunks = (N + kSmallChunk - 1) / kSmallChunk;
      const IsaTable* isa = cx.isa;
      parallel_for(threads, batch * chunks, [&](long t) {
        const GemmProblem<T> p = problem(t / chunks);
        const long j0 = t % chunks * kSmallChunk;
        isa->small_m_f32(M, K, p.a, rsa, csa, p.b, rsb, csb, p.c, p.ldc, j0, std::min(N, j0 + kSmallChunk));
      });
      return;
    }
  }
  const bool whole = batch >= 4 * threads || (batch >= threads && batch % threads == 0) || per_matrix < kWholeMatrixFlops;
  if (threads == 1 || whole) {
    parallel_for(threads, batch, [&](long i) {
      const GemmProblem<T> p = problem(i);
      if (p.k == 0) zero_fill(p);
      else g.gemm(p, thread_workspace());
    });
    return;
  }
  for (long i = 0; i < batch; i++) gemm_shared(threads, g, problem(i));
}

// ---- Half storage: float16/bfloat16 operands (either or both; the other float32), float16,
// bfloat16 or float32 output. Operands are converted to float32 where the float32 gemm copies
// them anyway: while packing B panels, and per block of A rows; the product accumulates in float32
// and is rounded once when stored. Each output element goes through the same float32 kernel, with
// the same k blocking and order, as the float32 product of the operands cast up to contiguous
// float32 tensors, so results are bit-identical to casting up, multiplying, and casting down.

inline bool is_half(int dtype) { return dtype == F16 || dtype == BF16; }

// One operand matrix: element (r, c) at data[r * rs + c * cs], of dtype F32, F16 or BF16.
struct HalfSource {
  const void* data;
  int dtype;
  long rs, cs;
  float at(long r, long c) const {
    const long i = r * rs + c * cs;
    if (dtype == F32) return static_cast<const float*>(data)[i];
    const uint16_t bits = static_cast<const uint16_t*>(data)[i];
    return dtype == BF16 ? bfloat16_to_float(bits) : half_to_float(bits);
  }
};

// dst[i * ldd + j] = s(r0 + i, c0 + j), walking the source along its smaller stride.
template <int D>
void convert_block_typed(const HalfSource& s, long r0, long rows, long c0, long cols, float* dst, long ldd) {
  const uint16_t* base = static_cast<const uint16_t*>(s.data) + r0 * s.rs + c0 * s.cs;
  auto cvt = [](uint16_t bits) { return D == BF16 ? bfloat16_to_float(bits) : half_to_float(bits); };
  if (std::labs(s.cs) <= std::labs(s.rs)) {
    for (long i = 0; i < rows; i++) {
      const uint16_t* row = base + i * s.rs;
      float* out = dst + i * ldd;
      if (s.cs == 1) for (long j = 0; j < cols; j++) out[j] = cvt(row[j]);
      else for (long j = 0; j < cols; j++) out[j] = cvt(row[j * s.cs]);
    }
  } else {
    for (long j = 0; j < cols; j++) {
      const uint16_t* col = base + j * s.cs;
      if (s.rs == 1) for (long i = 0; i < rows; i++) dst[i * ldd + j] = cvt(col[i]);
      else for (long i = 0; i < rows; i++) dst[i * ldd + j] = cvt(col[i * s.rs]);
    }
  }
}

void convert_block(const HalfSource& s, long r0, long rows, long c0, long cols, float* dst, long ldd) {
  if (s.dtype == BF16) convert_block_typed<BF16>(s, r0, rows, c0, cols, dst, ldd);
  else convert_block_typed<F16>(s, r0, rows, c0, cols, dst, ldd);
}

// pack_b's layout (NR-wide micro-panels, zero-padded) from a half B, rows [k0, k0 + kc), columns
// [c0, c0 + cols): the panel of column q at out + q * kc holds column q + j at row k in k * nr + j.
void pack_b_half(const HalfSource& s, long k0, long kc, long c0, long cols, long nr, float* out) {
  for (long q = 0; q < cols; q += nr) {
    const long w = std::min(nr, cols - q);
    float* dst = out + q * kc;
    convert_block(s, k0, kc, c0 + q, w, dst, nr);
    if (w < nr)
      for (long k = 0; k < kc; k++) std::fill(dst + k * nr + w, dst + (k + 1) * nr, 0.0f);
  }
}

// y[0:n) (dtype F16/BF16) = round(c[0:n)).
void store_half(int dtype, const float* c, uint16_t* y, long n) {
  if (dtype == BF16) for (long i = 0; i < n; i++) y[i] = float_to_bfloat16(c[i]);
  else for (long i = 0; i < n; i++) y[i] = float_to_half(c[i]);
}

Scratch& half_output_scratch() {
  static thread_local Scratch scratch;
  return scratch;
}

// One matrix product on `threads` threads (the packed gemm: B panels shared, blocks of A rows as
// tasks). y points to the matrix's output, of dtype y_dtype, contiguous [m, n].
void half_one(int threads, const GemmKernels<float>& g, long m, long n, long k, const HalfSource& a, const HalfSource& b,
              void* y, int y_dtype) {
  float* c = y_dtype == F32 ? static_cast<float*>(y) : static_cast<float*>(half_output_scratch().get(sizeof(float) * m * n));
  if (k == 0) {
    std::fill(c, c + m * n, 0.0f);
  } else {
    const long NR = g.nr, MR = g.mr, KC = g.kc;
    const long blocks = (k + KC - 1) / KC;
    const long k_padded = blocks * KC;
    const long chunk = std::max(NR, std::min(round_up(n, NR), (long)(kSharedPanelBytes / (sizeof(float) * k_padded)) / NR * NR));
    float* packed = static_cast<float*>(thread_workspace().shared_b.get(sizeof(float) * k_padded * chunk));
    const long wanted = round_up(std::max<long>(4 * threads, (m + g.mc - 1) / g.mc), threads);
    const long rows = std::min<long>(g.mc, std::max(4 * MR, round_up((m + wanted - 1) / wanted, MR)));
    const long row_blocks = (m + rows - 1) / rows;
    for (long jc = 0; jc < n; jc += chunk) {
      const long nc = std::min(chunk, n - jc);
      const long ldp = round_up(nc, NR);
      const long panels = ldp / NR;
      const long groups = std::min<long>(panels, 2 * threads);
      parallel_for(threads, blocks * groups, [&](long t) {
        const long block = t / groups, group = t % groups;
        const long q0 = panels * group / groups * NR;
        const long q1 = std::min(nc, panels * (group + 1) / groups * NR);
        if (q0 >= q1) return;
        const long kc = std::min(KC, k - block * KC);
        float* out = packed + block * KC * ldp + q0 * kc;
        if (b.dtype == F32) {
          const float* bp = static_cast<const float*>(b.data) + block * KC * b.rs + (jc + q0) * b.cs;
          g.pack_b(kc, q1 - q0, bp, b.rs, b.cs, out);
        } else {
          pack_b_half(b, block * KC, kc, jc + q0, q1 - q0, NR, out);
        }
      });
      const long parts = std::min(panels, std::max(1L, (4 * threads + row_blocks - 1) / row_blocks));
      parallel_for(threads, row_blocks * parts, [&](long t) {
        const long i0 = t / parts * rows;
        const long part = t % parts;
        const long q0 = panels * part / parts * NR;
        const long q1 = std::min(nc, panels * (part + 1) / parts * NR);
        if (q0 >= q1) return;
        const long mr = std::min(rows, m - i0);
        Workspace& ws = thread_workspace();
        if (a.dtype == F32) {
          const float* ap = static_cast<const float*>(a.data) + i0 * a.rs;
          g.gemm_packed(mr, k, ap, a.rs, a.cs, packed, ldp, q0, q1, c + i0 * n + jc, n, ws);
        } else {
          float* ap = static_cast<float*>(ws.misc.get(sizeof(float) * mr * k));
          convert_block(a, i0, mr, 0, k, ap, k);
          g.gemm_packed(mr, k, ap, k, 1, packed, ldp, q0, q1, c + i0 * n + jc, n, ws);
        }
      });
    }
  }
  if (y_dtype != F32) {
    const long per = std::max<long>(4096, (m * n + 4 * threads - 1) / (4 * threads));
    parallel_for(threads, (m * n + per - 1) / per, [&](long t) {
      const long i0 = t * per;
      store_half(y_dtype, c + i0, static_cast<uint16_t*>(y) + i0, std::min(per, m * n - i0));
    });
  }
}

void matmul_half(const Context& cx, const View& a, const View& b, void* y, int y_dtype) {
  const int r = a.rank;
  const long M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 1];
  long batch = 1;
  for (int d = 0; d < r - 2; d++) batch *= a.shape[d];
  if (batch == 0 || M == 0 || N == 0) return;
  const size_t ya = dtype_size(a.dtype), yb = dtype_size(b.dtype), ys = dtype_size(y_dtype);
  auto operands = [&](long i, HalfSource& sa, HalfSource& sb) -> char* {
    long rest = i, ao = a.offset, bo = b.offset;
    for (int d = r - 3; d >= 0; d--) {
      const long index = rest % a.shape[d];
      rest /= a.shape[d];
      ao += index * a.strides[d];
      bo += index * b.strides[d];
    }
    sa = {static_cast<const char*>(a.data) + ao * ya, a.dtype, a.strides[r - 2], a.strides[r - 1]};
    sb = {static_cast<const char*>(b.data) + bo * yb, b.dtype, b.strides[r - 2], b.strides[r - 1]};
    return static_cast<char*>(y) + i * M * N * ys;
  };
  const double per_matrix = 2.0 * M * N * K;
  const int threads = per_matrix * batch < kSerialFlops ? 1 : cx.threads;
  const GemmKernels<float>& g = cx.isa->gemm32;
  // A few rows: the unpacked float32 path, fed as casting up would feed it (a half operand becomes
  // a contiguous float32 block; a float32 operand keeps its strides), one chunk of columns a task.
  const long csa = is_half(a.dtype) ? 1 : a.strides[r - 1];
  const long rsb = b.strides[r - 2], csb = b.strides[r - 1];
  if (M <= kSmallRows && K > 0 && (is_half(b.dtype) || csb == 1 || (rsb == 1 && (csa == 1 || K == 1)))) {
    const long chunks = (N + kSmallChunk - 1) / kSmallChunk;
    const IsaTable* isa = cx.isa;
    parallel_for(threads, batch * chunks, [&](long t) {
      HalfSource sa, sb;
      char* yi = operands(t / chunks, sa, sb);
      const long j0 = t % chunks * kSmallChunk;
      const long cols = std::min(N, j0 + kSmallChunk) - j0;
      Workspace& ws = thread_workspace();
      const float* ap = static_cast<const float*>(sa.data);
      long ars = sa.rs, acs = sa.cs;
      if (is_half(sa.dtype)) {
        float* conv = static_cast<float*>(ws.misc.get(sizeof(float) * M * K));
        convert_block(sa, 0, M, 0, K, conv, K);
        ap = conv, ars = K, acs = 1;
      }
      float* c = y_dtype == F32 ? reinterpret_cast<float*>(yi) + j0 : static_cast<float*>(ws.tile.get(sizeof(float) * M * cols));
      const long ldc = y_dtype == F32 ? N : cols;
      if (is_half(sb.dtype) && sb.rs == 1 && sb.cs != 1 && acs == 1) {
        // B is the transpose of a row-major half matrix (a linear layer's weight): dot products
        // with A's rows, W converted as it is loaded, as the float32 path does for a transposed
        // float32 weight (rounding as that path, which may differ from the contiguous cast-up
        // copy in the last bits of the float32 sums).
        const uint16_t* w = static_cast<const uint16_t*>(sb.data) + j0 * sb.cs;
        g.dot_half(M, cols, K, ap, ars, w, sb.cs, sb.dtype == BF16, c, ldc);
      } else if (is_half(sb.dtype)) {
        float* bp = static_cast<float*>(ws.b.get(sizeof(float) * K * cols));
        convert_block(sb, 0, K, j0, cols, bp, cols);
        isa->small_m_f32(M, K, ap, ars, acs, bp, cols, 1, c, ldc, 0, cols);
      } else {
        isa->small_m_f32(M, K, ap, ars, acs, static_cast<const float*>(sb.data) + j0 * sb.cs, sb.rs, sb.cs, c, ldc, 0, cols);
      }
      if (y_dtype != F32)
        for (long i = 0; i < M; i++) store_half(y_dtype, c + i * cols, reinterpret_cast<uint16_t*>(yi) + i * N + j0, cols);
    });
    return;
  }
  const bool whole = batch >= 4 * threads || (batch >= threads && batch % threads == 0) || per_matrix < kWholeMatrixFlops;
  if (threads == 1 || whole) {
    parallel_for(threads, batch, [&](long i) {
      HalfSource sa, sb;
      char* yi = operands(i, sa, sb);
      half_one(1, g, M, N, K, sa, sb, yi, y_dtype);
    });
    return;
  }
  for (long i = 0; i < batch; i++) {
    HalfSource sa, sb;
    char* yi = operands(i, sa, sb);
    half_one(threads, g, M, N, K, sa, sb, yi, y_dtype);
  }
}

}  // namespace

void matmul(const Context& cx, const View& a, const View& b, void* y, int y_dtype) {
  if (is_half(a.dtype) || is_half(b.dtype) || is_half(y_dtype)) matmul_half(cx, a, b, y, y_dtype);
  else if (a.dtype == F32) matmul_typed(cx, cx.isa->gemm32, a, b, static_cast<float*>(y));
  else matmul_typed(cx, cx.isa->gemm64, a, b, static_cast<double*>(y));
}

}  // namespace tessera
