// numpy default_rng (SeedSequence -> PCG64 -> Generator) against numpy's own output: the
// numpy_rng block of the MDS fixture (numpy 1.24.2), the spec's stated vectors, and
// numpy-vectors.json (written by numpy-vectors.py beside this file).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { argsort, defaultRng, introsortArgsort, PCG64, SeedSequence, seedWords } from '../../src/order/index.js';

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/mds/expected_order.json', import.meta.url)), 'utf8'),
) as {
  numpy_rng: {
    seed: number;
    seed_sequence_generate_state_4xu64: string[];
    pcg64_state_after_seeding: { state: string; inc: string };
    random_raw_first_8: string[];
    shuffle_list_range10: number[];
    shuffle_ndarray_arange25: number[];
    integers_37_62_x6: number[];
    integers_0_2pow40_x3: number[];
    'uniform_-3.5_2.25_size5': number[];
    random_x4: number[];
  }[];
};

interface SeedVectors {
  seed: string;
  seed_sequence_state_8xu32: number[];
  random_raw_4: string[];
  permutation_300: number[];
  mixed: (['integers', number, number, number] | ['random', number] | ['uniform', number, number, number])[];
  integers_0_1000_x50: number[];
  choice: { n: number; k: number; first: number[]; sum: number; weighted: number; next: string }[];
  shuffle_list_then_slice: { list: string[]; array: number[] };
}
const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('./numpy-vectors.json', import.meta.url)), 'utf8')) as {
  numpy_version: string;
  seeds: SeedVectors[];
  argsort: { seed: number; n: number; low: number; high: number; order: number[] };
  argsort_ties: { seed: number; n: number; low: number; high: number; order: number[]; pattern: number[] };
};

describe('fixture numpy_rng (numpy 1.24.2)', () => {
  for (const ref of fixture.numpy_rng) {
    describe(`seed ${ref.seed}`, () => {
      it('SeedSequence.generate_state(4, uint64)', () => {
        expect(new SeedSequence(ref.seed).generateState64(4).map(String)).toEqual(ref.seed_sequence_generate_state_4xu64);
      });
      it('PCG64 state and inc after seeding', () => {
        const { state, inc } = PCG64.fromSeed(ref.seed).state;
        expect([String(state), String(inc)]).toEqual([ref.pcg64_state_after_seeding.state, ref.pcg64_state_after_seeding.inc]);
      });
      it('random_raw', () => {
        const rng = defaultRng(ref.seed);
        expect(Array.from({ length: 8 }, () => String(rng.randomRaw()))).toEqual(ref.random_raw_first_8);
      });
      it('shuffle of a list and of an ndarray', () => {
        const list = Array.from({ length: 10 }, (_, i) => i);
        defaultRng(ref.seed).shuffle(list);
        expect(list).toEqual(ref.shuffle_list_range10);
        const array = Float64Array.from({ length: 25 }, (_, i) => i);
        defaultRng(ref.seed).shuffleRange(array, 0, 25);
        expect(Array.from(array)).toEqual(ref.shuffle_ndarray_arange25);
      });
      it('integers (32-bit and 64-bit Lemire)', () => {
        let rng = defaultRng(ref.seed);
        expect(Array.from({ length: 6 }, () => rng.integers(37, 62))).toEqual(ref.integers_37_62_x6);
        rng = defaultRng(ref.seed);
        expect(Array.from({ length: 3 }, () => rng.integers(0, 2 ** 40))).toEqual(ref.integers_0_2pow40_x3);
      });
      it('uniform and random', () => {
        expect(Array.from(defaultRng(ref.seed).uniformArray(-3.5, 2.25, 5))).toEqual(ref['uniform_-3.5_2.25_size5']);
        const rng = defaultRng(ref.seed);
        expect(Array.from({ length: 4 }, () => rng.random())).toEqual(ref.random_x4);
      });
    });
  }
});

describe('spec §2.10 test vectors', () => {
  it('permutation', () => {
    expect(Array.from(defaultRng(0).permutation(10))).toEqual([4, 6, 2, 7, 3, 5, 9, 0, 8, 1]);
    expect(Array.from(defaultRng(9176).permutation(10))).toEqual([8, 1, 2, 7, 5, 6, 9, 3, 0, 4]);
  });
  it('first next64 outputs of seed 9176', () => {
    const bits = PCG64.fromSeed(9176);
    expect([bits.next64Big(), bits.next64Big(), bits.next64Big()]).toEqual([
      14864287112915649284n,
      2538383001129672880n,
      13548176007687939484n,
    ]);
  });
  it('integers, uniform, choice', () => {
    let rng = defaultRng(9176);
    expect([0, 1, 2].map(() => rng.integers(196608, 327680))).toEqual([321922, 302225, 326770]);
    expect(Array.from(defaultRng(9176).uniformArray(-1, 1, 3))).toEqual([0.6115892380271433, -0.7247879635574934, 0.46889618607512507]);
    rng = defaultRng(9176);
    expect(Array.from(rng.choice(10, 3))).toEqual([8, 9, 7]);
  });
  it('seed words', () => {
    expect(seedWords(0)).toEqual([0]);
    expect(seedWords(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedWords(2n ** 64n)).toEqual([0, 0, 1]);
    expect(() => seedWords(-1)).toThrow(/non-negative/);
  });
});

describe(`numpy-vectors.json (numpy ${vectors.numpy_version})`, () => {
  for (const ref of vectors.seeds) {
    const seed = BigInt(ref.seed);
    describe(`seed ${ref.seed}`, () => {
      it('SeedSequence words (incl. entropy past the pool of 4)', () => {
        expect(Array.from(new SeedSequence(seed).generateState(8))).toEqual(ref.seed_sequence_state_8xu32);
      });
      it('random_raw and permutation(300)', () => {
        const rng = defaultRng(seed);
        expect(Array.from({ length: 4 }, () => String(rng.randomRaw()))).toEqual(ref.random_raw_4);
        expect(Array.from(defaultRng(seed).permutation(300))).toEqual(ref.permutation_300);
      });
      it('mixed integers / random / uniform keep the buffered 32-bit half', () => {
        const rng = defaultRng(seed);
        for (const call of ref.mixed) {
          if (call[0] === 'integers') expect(rng.integers(call[1], call[2])).toBe(call[3]);
          else if (call[0] === 'random') expect(rng.random()).toBe(call[1]);
          else expect(rng.uniform(call[1], call[2])).toBe(call[3]);
        }
        expect(Array.from(defaultRng(seed).integersArray(0, 1000, 50))).toEqual(ref.integers_0_1000_x50);
      });
      it('choice without replacement (Floyd and tail-shuffle paths)', () => {
        for (const c of ref.choice) {
          const rng = defaultRng(seed);
          const picked = rng.choice(c.n, c.k);
          expect(Array.from(picked.subarray(0, 20))).toEqual(c.first);
          expect(picked.reduce((a, b) => a + b, 0)).toBe(c.sum);
          expect(picked.reduce((a, b, i) => a + b * (i + 1), 0)).toBe(c.weighted);
          expect(String(rng.randomRaw())).toBe(c.next);
        }
      });
      it('shuffle of a list, then of an array slice', () => {
        const rng = defaultRng(seed);
        const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
        rng.shuffle(list);
        expect(list).toEqual(ref.shuffle_list_then_slice.list);
        const array = Float64Array.from({ length: 40 }, (_, i) => 1000 + i);
        rng.shuffleRange(array, 5, 30);
        expect(Array.from(array)).toEqual(ref.shuffle_list_then_slice.array);
      });
    });
  }
});

describe('argsort', () => {
  it('matches np.argsort on distinct keys (bucket sort and replayed introsort alike)', () => {
    const { seed, n, low, high, order } = vectors.argsort;
    const shifts = defaultRng(seed).uniformArray(low, high, n);
    const keys = Float64Array.from(shifts, (shift, i) => i + shift);
    expect(Array.from(argsort(keys))).toEqual(order);
    expect(Array.from(introsortArgsort(keys))).toEqual(order);
  });
  it("gives equal keys numpy's generic introsort order (numpy <= 1.24 on every CPU)", () => {
    const { seed, n, low, high, order, pattern } = vectors.argsort_ties;
    const draws = defaultRng(seed).integersArray(low, high, n);
    const withTies = Float64Array.from(draws, (shift, i) => i + shift);
    expect(Array.from(introsortArgsort(withTies))).toEqual(order);
    expect(Array.from(argsort(withTies))).toEqual(order);
    const repeated = Float64Array.from({ length: 60 }, (_, i) => [3, 3, 1, 1, 2, 2][i % 6]!);
    expect(Array.from(argsort(repeated))).toEqual(pattern);
    const rng = defaultRng(11);
    const skewed = Float64Array.from({ length: 5000 }, (_, i) => (i === 0 ? 1e300 : rng.random()));
    expect(Array.from(argsort(skewed))).toEqual(Array.from(introsortArgsort(skewed)));
    // A hand-traced case: insertion sort keeps the first of two equal keys first.
    expect(Array.from(introsortArgsort(new Float64Array([2, 1, 2])))).toEqual([1, 0, 2]);
  });
  it('sorts every pattern, ties included, into a permutation', () => {
    const rng = defaultRng(3);
    const patterns: Float64Array[] = [
      new Float64Array(0),
      Float64Array.from([1]),
      Float64Array.from({ length: 1000 }, (_, i) => i),
      Float64Array.from({ length: 1000 }, (_, i) => -i),
      new Float64Array(1000).fill(2),
      Float64Array.from({ length: 3000 }, () => rng.integers(0, 5)),
      Float64Array.from({ length: 3000 }, (_, i) => (i % 2 ? i : 3000 - i)),
      Float64Array.from([3, Number.NaN, 1, -0, 0, Number.NaN, -1]),
    ];
    for (const keys of patterns) {
      const order = argsort(keys);
      expect(Array.from(order)).toEqual(Array.from(introsortArgsort(keys)));
      expect(new Set(order).size).toBe(keys.length);
      for (let i = 1; i < order.length; i++) {
        const a = keys[order[i - 1]!]!;
        const b = keys[order[i]!]!;
        expect(a <= b || Number.isNaN(b)).toBe(true);
      }
    }
  });
});
