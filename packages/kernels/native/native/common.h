// Shared types of the native kernels: dtypes, the gemm problem description, per-thread
// workspaces and the table of per-ISA routines (isa.h) that the dispatcher picks at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace tessera {

// Element types, numbered as the TypeScript side numbers them (src/addon.ts DTYPE_CODE).
enum DType : int { F32 = 0, F64 = 1, F16 = 2, BF16 = 3, I32 = 4, BOOL = 5 };

inline size_t dtype_size(int dtype) {
  switch (dtype) {
    case F64: return 8;
    case F32: case I32: return 4;
    case F16: case BF16: return 2;
    default: return 1;
  }
}

// C[m, n] (row-major, row stride ldc) = A[m, k] B[k, n]; A and B are read through any strides.
template <typename T>
struct GemmProblem {
  long m, n, k;
  const T* a;
  long rsa, csa;
  const T* b;
  long rsb, csb;
  T* c;
  long ldc;
};

// A grow-only, 64-byte aligned scratch buffer; one per thread, so steady state allocates nothing.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }
  void* get(size_t bytes) {
    if (bytes > size_) {
      std::free(data_);
      size_t rounded = (bytes + 4095) & ~size_t(4095);
      data_ = std::aligned_alloc(64, rounded);
      size_ = data_ ? rounded : 0;
    }
    return data_;
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

struct Workspace {
  Scratch a, b, tile, misc, shared_b;
};

// This thread's workspace (the caller's thread and each pool worker own one).
Workspace& thread_workspace();

}  // namespace tessera
