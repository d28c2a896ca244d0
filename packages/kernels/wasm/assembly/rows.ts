// Threaded row and elementwise kernels: the work is cut into chunks of a fixed size (rows, or
// elements for the flat maps) chosen by the caller independently of the thread count, taken from
// an atomic counter. Each chunk runs the single-threaded kernel on its range, so every output is
// computed by one thread in one order: results do not depend on the thread count. CrossEntropy
// writes one partial [sum, count] per chunk, added in chunk order by the caller.
//
// Params block (i32 slots, written by src/kernels/rows.ts):
//   0 kind (0 softmax, 1 logSoftmax, 2 layerNorm, 3 crossEntropy, 4 unary, 5 binary,
//           6 geluBackward, 7 layerNormBackward, 8 crossEntropyBackward)
//   1 rows (elements for 4, 5, 6)  2 chunk  3 next chunk (atomic)  4 x | a  5 y  6 n (row length)
//   7 weight | b | dy (6)  8 bias | dy (7)  9 eps | scale (8) (f32 bits)
//   10 partials (f64 [chunks][2]; 7: f32 [chunks][n or 2n], zeroed: dw then db)  11 targets
//   12 ignoreIndex  13 op | tanh form (6) | has bias (7)  14 bad rows (i32 [chunks], -1 or the first bad row of the chunk)
import { binaryFlat, unaryFlat } from './elementwise';
import { crossEntropy, layerNorm, softmax } from './nn';
import { crossEntropyBackward, geluBackward, layerNormBackward } from './nn-backward';

@inline function slot(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function addr(p: usize, i: i32): usize {
  return <usize>load<u32>(p + (<usize>i << 2));
}

export function rowsJob(p: usize, thread: i32): void {
  const kind = slot(p, 0), rows = slot(p, 1), chunk = slot(p, 2), n = slot(p, 6);
  const total = (rows + chunk - 1) / chunk;
  const x = addr(p, 4), y = addr(p, 5);
  while (true) {
    const t = atomic.add<i32>(p + 12, 1);
    if (t >= total) break;
    const r0 = t * chunk;
    const count = min(chunk, rows - r0);
    const rowBytes = <usize>n << 2;
    if (kind <= 1) {
      softmax(x + <usize>r0 * rowBytes, y + <usize>r0 * rowBytes, count, n, kind == 1);
    } else if (kind == 2) {
      layerNorm(x + <usize>r0 * rowBytes, addr(p, 7), addr(p, 8), y + <usize>r0 * rowBytes, count, n, reinterpret<f32>(slot(p, 9)));
    } else if (kind == 3) {
      const bad = crossEntropy(x + <usize>r0 * rowBytes, addr(p, 11) + (<usize>r0 << 2), count, n, slot(p, 12), addr(p, 10) + (<usize>t << 4));
      store<i32>(addr(p, 14) + (<usize>t << 2), bad < 0 ? -1 : r0 + bad);
    } else if (kind == 6) {
      geluBackward(addr(p, 7) + (<usize>r0 << 2), x + (<usize>r0 << 2), y + (<usize>r0 << 2), count, slot(p, 13) != 0);
    } else if (kind == 7) {
      const outs = slot(p, 13) != 0 ? 2 : 1;
      const dw = addr(p, 10) + (<usize>(t * outs * n) << 2);
      layerNormBackward(addr(p, 8) + <usize>r0 * rowBytes, x + <usize>r0 * rowBytes, addr(p, 7), y + <usize>r0 * rowBytes, dw,
        outs == 2 ? dw + rowBytes : 0, count, n, reinterpret<f32>(slot(p, 9)));
    } else if (kind == 8) {
      crossEntropyBackward(x + <usize>r0 * rowBytes, addr(p, 11) + (<usize>r0 << 2), y + <usize>r0 * rowBytes, count, n, slot(p, 12),
        reinterpret<f32>(slot(p, 9)));
    } else if (kind == 4) {
      unaryFlat(slot(p, 13), x + (<usize>r0 << 2), y + (<usize>r0 << 2), count);
    } else {
      binaryFlat(slot(p, 13), x + (<usize>r0 << 2), addr(p, 7) + (<usize>r0 << 2), y + (<usize>r0 << 2), count);
    }
  }
}
