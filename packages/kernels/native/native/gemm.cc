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

}  // namespace

void matmul(const Context& cx, const View& a, const View& b, void* y) {
  if (a.dtype == F32) matmul_typed(cx, cx.isa->gemm32, a, b, static_cast<float*>(y));
  else matmul_typed(cx, cx.isa->gemm64, a, b, static_cast<double*>(y));
}

}  // namespace tessera
