"""Out-of-process peer for matmul.bench.ts: numpy's float32 matmul (OpenBLAS when installed).

Started once per thread count with OMP_NUM_THREADS/OPENBLAS_NUM_THREADS set and OPENBLAS_CORETYPE
unset by the bench. Prints one JSON line describing itself, then answers each stdin line "M K N"
with the seconds of one C = A @ B call on float32 normals (the operands are made once per shape).
"""
import json
import sys
import time

import numpy as np

a_b = {}


def blas_library():
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)
    with open('/proc/self/maps') as maps:
        libraries = {line.split()[-1] for line in maps if '.so' in line}
    for name in sorted(libraries):
        base = name.rsplit('/', 1)[-1]
        if 'openblas' in base or 'blas' in base or 'mkl' in base or 'blis' in base:
            return name
    return 'unknown'


print(json.dumps({'numpy': np.__version__, 'blas': blas_library()}), flush=True)
for line in sys.stdin:
    m, k, n = (int(v) for v in line.split())
    if (m, k, n) not in a_b:
        rng = np.random.default_rng(1)
        a_b[(m, k, n)] = (rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32))
    a, b = a_b[(m, k, n)]
    start = time.perf_counter()
    c = a @ b
    seconds = time.perf_counter() - start
    del c
    print(seconds, flush=True)
