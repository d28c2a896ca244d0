/**
 * numpy's `PCG64` bit generator (PCG XSL-RR 128/64), bit-exact, without BigInt on the hot path.
 *
 * Math:
 *   step:    state = state * 0x2360ED051FC65DA44385DF649FCCF645 + inc   (mod 2^128)
 *   next64:  step, then rotr64(hi64(state) ^ lo64(state), state >> 122)
 *   seeding: inc = (initseq << 1) | 1; state = 0; step; state += initstate; step
 *            (initstate = s0·2^64 + s1, initseq = s2·2^64 + s3 from SeedSequence(seed), 4 u64)
 *   next32:  buffered: the low half of a next64 is returned, the high half saved for the next call;
 *            next64 and nextDouble neither use nor clear the saved half.
 *   nextDouble = (next64 >> 11) · 2^-53
 *
 * The 128-bit state is held as six 24-bit limbs in plain numbers (the top limb keeps 8 bits): a
 * partial product is below 2^48 and a column of six of them below 2^51, so float64 arithmetic is
 * exact, and 21 multiplications make one step.
 */
import { SeedSequence } from './seed-sequence.js';

const MASK128 = (1n << 128n) - 1n;
const MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;

// Multiplier limbs (24 bits each), least significant first.
const M0 = 0xccf645;
const M1 = 0xdf649f;
const M2 = 0xa44385;
const M3 = 0x1fc65d;
const M4 = 0x60ed05;
const M5 = 0x23;
const LIMB = 16777216; // 2^24
const INV_LIMB = 1 / LIMB;

const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/**
 * The PCG64 generator numpy's `default_rng` uses. Prefer {@link defaultRng} from `generator.ts`.
 *
 * @example
 * ```ts
 * const bits = PCG64.fromSeed(9176);
 * bits.next64Big(); // 14864287112915649284n
 * ```
 */
export class PCG64 {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private s4 = 0;
  private s5 = 0;
  private readonly i0: number;
  private readonly i1: number;
  private readonly i2: number;
  private readonly i3: number;
  private readonly i4: number;
  private readonly i5: number;
  private hasUint32 = false;
  private uinteger = 0;
  /** High 32 bits of the last `next64()` output. */
  hi = 0;
  /** Low 32 bits of the last `next64()` output. */
  lo = 0;

  /** Seed like numpy: `PCG64(SeedSequence(seed))`. */
  static fromSeed(seed: number | bigint): PCG64 {
    const [s0, s1, s2, s3] = new SeedSequence(seed).generateState64(4) as [bigint, bigint, bigint, bigint];
    return new PCG64((s0 << 64n) | s1, (s2 << 64n) | s3);
  }

  /** `pcg_setseq_128_srandom_r(initState, initSeq)`. */
  constructor(initState: bigint, initSeq: bigint) {
    const inc = ((initSeq << 1n) | 1n) & MASK128;
    const limbs = toLimbs(inc);
    [this.i0, this.i1, this.i2, this.i3, this.i4, this.i5] = limbs as [number, number, number, number, number, number];
    let state = inc; // step from state 0: 0 * MULTIPLIER + inc
    state = (state + initState) & MASK128;
    state = (state * MULTIPLIER + inc) & MASK128;
    this.setState(state);
  }

  /** The 128-bit state and increment, as numpy's `bit_generator.state['state']` reports them. */
  get state(): { state: bigint; inc: bigint } {
    return {
      state: fromLimbs([this.s0, this.s1, this.s2, this.s3, this.s4, this.s5]),
      inc: fromLimbs([this.i0, this.i1, this.i2, this.i3, this.i4, this.i5]),
    };
  }

  private setState(state: bigint): void {
    [this.s0, this.s1, this.s2, this.s3, this.s4, this.s5] = toLimbs(state) as [number, number, number, number, number, number];
  }

  /** Advance one step and leave the 64-bit output in `hi`/`lo`. */
  next64(): void {
    const a0 = this.s0, a1 = this.s1, a2 = this.s2, a3 = this.s3, a4 = this.s4, a5 = this.s5;
    let c = a0 * M0 + this.i0;
    let q = Math.floor(c * INV_LIMB);
    const r0 = c - q * LIMB;
    c = q + a0 * M1 + a1 * M0 + this.i1;
    q = Math.floor(c * INV_LIMB);
    const r1 = c - q * LIMB;
    c = q + a0 * M2 + a1 * M1 + a2 * M0 + this.i2;
    q = Math.floor(c * INV_LIMB);
    const r2 = c - q * LIMB;
    c = q + a0 * M3 + a1 * M2 + a2 * M1 + a3 * M0 + this.i3;
    q = Math.floor(c * INV_LIMB);
    const r3 = c - q * LIMB;
    c = q + a0 * M4 + a1 * M3 + a2 * M2 + a3 * M1 + a4 * M0 + this.i4;
    q = Math.floor(c * INV_LIMB);
    const r4 = c - q * LIMB;
    c = q + a0 * M5 + a1 * M4 + a2 * M3 + a3 * M2 + a4 * M1 + a5 * M0 + this.i5;
    const r5 = c - Math.floor(c * (1 / 256)) * 256; // bits 120..127
    this.s0 = r0; this.s1 = r1; this.s2 = r2; this.s3 = r3; this.s4 = r4; this.s5 = r5;
    // 32-bit words of the state: bits 0-31, 32-63, 64-95, 96-127.
    const w0 = (r0 | (r1 << 24)) >>> 0;
    const w1 = ((r1 >>> 8) | (r2 << 16)) >>> 0;
    const w2 = ((r2 >>> 16) | (r3 << 8)) >>> 0;
    const w3 = (r4 | (r5 << 24)) >>> 0;
    // XSL-RR output: rotr64(hi64 ^ lo64, top 6 bits of the state).
    const xlo = (w0 ^ w2) >>> 0;
    const xhi = (w1 ^ w3) >>> 0;
    const rot = r5 >>> 2;
    if (rot === 0) {
      this.hi = xhi;
      this.lo = xlo;
    } else if (rot < 32) {
      this.lo = ((xlo >>> rot) | (xhi << (32 - rot))) >>> 0;
      this.hi = ((xhi >>> rot) | (xlo << (32 - rot))) >>> 0;
    } else if (rot === 32) {
      this.lo = xhi;
      this.hi = xlo;
    } else {
      const r = rot - 32;
      this.lo = ((xhi >>> r) | (xlo << (32 - r))) >>> 0;
      this.hi = ((xlo >>> r) | (xhi << (32 - r))) >>> 0;
    }
  }

  /** `next_uint64` as a bigint (tests and rare 64-bit paths). */
  next64Big(): bigint {
    this.next64();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** `next_uint32`: buffered halves of `next_uint64`, low half first. */
  next32(): number {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    this.next64();
    this.hasUint32 = true;
    this.uinteger = this.hi;
    return this.lo;
  }

  /** `next_double`: 53 random bits scaled into [0, 1). */
  nextDouble(): number {
    this.next64();
    return (this.hi * 2097152 + (this.lo >>> 11)) * TWO_POW_MINUS_53;
  }
}

function toLimbs(value: bigint): number[] {
  const limbs: number[] = [];
  for (let i = 0; i < 6; i++) limbs.push(Number((value >> BigInt(24 * i)) & 0xffffffn));
  return limbs;
}

function fromLimbs(limbs: readonly number[]): bigint {
  let value = 0n;
  for (let i = limbs.length - 1; i >= 0; i--) value = (value << 24n) | BigInt(limbs[i]!);
  return value;
}
