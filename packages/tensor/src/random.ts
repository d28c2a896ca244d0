/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32, doubles with 53 random
 * bits, normals by the Box-Muller transform. The same seed gives the same numbers on every run,
 * machine and backend (values are generated on the host).
 *
 * @example
 * ```ts
 * const g = new Generator(42);
 * const u = g.nextDouble(); // uniform in [0, 1)
 * const z = g.nextNormal(); // standard normal
 * ```
 */
import { InvalidArgumentError } from './errors.js';
/** A generator's position: four xoshiro128** words and a cached Box-Muller normal. */
export interface GeneratorState {
  words: readonly number[];
  spare: number | null;
}

export class Generator {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | null = null;

  constructor(seed: number) {
    let x = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    // Fold in the high bits of seeds beyond 32 bits.
    x = (x ^ Math.floor(Math.abs(seed) / 2 ** 32)) >>> 0;
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next() || 1;
  }

  /**
   * The generator's position, as plain JSON data, for checkpoints.
   *
   * @example
   * ```ts
   * const saved = g.state();
   * const again = Generator.fromState(saved); // continues exactly where g is
   * ```
   */
  state(): GeneratorState {
    return { words: [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0], spare: this.#spare };
  }

  /** Move to a position taken earlier with {@link Generator.state}. */
  setState(state: GeneratorState): void {
    const { words, spare } = state;
    if (words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff) || words.every((w) => w === 0)) {
      throw new InvalidArgumentError('Generator.setState', 'state.words must be four uint32 values, not all zero');
    }
    [this.#s0, this.#s1, this.#s2, this.#s3] = words as [number, number, number, number];
    this.#spare = spare;
  }

  /** A generator positioned at a saved state. */
  static fromState(state: GeneratorState): Generator {
    const g = new Generator(0);
    g.setState(state);
    return g;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal. */
  nextNormal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextDouble();
    const v = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const GLOBAL = Symbol.for('tessera.random.v1');

/** The process-wide generator used when an op is given no seed (initial seed 0). */
export function globalGenerator(): Generator {
  const g = globalThis as { [GLOBAL]?: Generator };
  return (g[GLOBAL] ??= new Generator(0));
}

/**
 * Reseed the process-wide generator.
 *
 * @example
 * ```ts
 * manualSeed(42);
 * const w = randn([4, 4]); // same values on every run
 * ```
 */
export function manualSeed(seed: number): void {
  (globalThis as { [GLOBAL]?: Generator })[GLOBAL] = new Generator(seed);
}
