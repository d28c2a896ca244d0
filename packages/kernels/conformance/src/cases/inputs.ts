/**
 * Seeded input builders for conformance cases. Values are generated on the host with the core's
 * `Generator`, so they are the same on every run and machine, and written as float64 (int32 or
 * bool where noted) to the current backend.
 */
import { Generator, tensor, type Tensor } from '@tessera/tensor';

type Shape = readonly number[];

function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fill(shape: Shape, seed: number, sample: (g: Generator) => number): Float64Array {
  const g = new Generator(seed);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = sample(g);
  return out;
}

/** Standard normal values. */
export function normal(shape: Shape, seed: number, scale = 1): Tensor {
  return tensor(fill(shape, seed, (g) => scale * g.nextNormal()), shape, 'float64');
}

/** Uniform values in [low, high). */
export function uniform(shape: Shape, seed: number, low: number, high: number): Tensor {
  return tensor(fill(shape, seed, (g) => low + (high - low) * g.nextDouble()), shape, 'float64');
}

/** Positive values in [0.5, 2) (log, sqrt, rsqrt, division, fractional powers). */
export function positive(shape: Shape, seed: number): Tensor {
  return uniform(shape, seed, 0.5, 2);
}

/**
 * Normal values at least `gap` away from every point in `avoid` (kinks of relu/abs/clamp),
 * resampled until they are.
 */
export function awayFrom(shape: Shape, seed: number, avoid: readonly number[], gap = 0.1): Tensor {
  return tensor(fill(shape, seed, (g) => {
    for (;;) {
      const v = g.nextNormal();
      if (avoid.every((p) => Math.abs(v - p) >= gap)) return v;
    }
  }), shape, 'float64');
}

/** Normal values at least 0.1 away from zero. */
export function nonzero(shape: Shape, seed: number): Tensor {
  return awayFrom(shape, seed, [0]);
}

/**
 * Distinct values (a shuffled grid with spacing 0.1 plus a little noise) for max/min/argmax: no
 * ties, even after rounding to bfloat16.
 */
export function distinct(shape: Shape, seed: number): Tensor {
  const n = size(shape);
  const g = new Generator(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.nextUint32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = (order[i]! - n / 2) * 0.1 + 0.02 * g.nextDouble();
  return tensor(values, shape, 'float64');
}

/** Two tensors of one shape whose elements differ by at least `gap` (maximum/minimum). */
export function apart(shape: Shape, seed: number, gap = 0.2): [Tensor, Tensor] {
  const g = new Generator(seed);
  const a = new Float64Array(size(shape));
  const b = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    a[i] = g.nextNormal();
    const d = g.nextNormal();
    b[i] = a[i]! + Math.sign(d || 1) * (gap + Math.abs(d));
  }
  return [tensor(a, shape, 'float64'), tensor(b, shape, 'float64')];
}

/** Small integers in [low, high] stored as float64: comparisons with ties, exact in every dtype. */
export function smallIntegers(shape: Shape, seed: number, low = -2, high = 2): Tensor {
  return tensor(fill(shape, seed, (g) => low + (g.nextUint32() % (high - low + 1))), shape, 'float64');
}

/** int32 values in [low, high]. */
export function ints(shape: Shape, seed: number, low: number, high: number): Tensor {
  return tensor(fill(shape, seed, (g) => low + (g.nextUint32() % (high - low + 1))), shape, 'int32');
}

/** A seeded bool mask, true with probability 1/2. */
export function mask(shape: Shape, seed: number): Tensor {
  return tensor(fill(shape, seed, (g) => g.nextUint32() & 1), shape, 'bool');
}

/** int32 class ids or targets from an explicit list (ids repeat, so gradients accumulate). */
export function idList(values: readonly number[], shape: Shape): Tensor {
  return tensor(Int32Array.from(values), shape, 'int32');
}
