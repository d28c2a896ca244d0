"""Writes numpy-vectors.json: reference draws of numpy's Generator (default_rng = PCG64 seeded
through SeedSequence) for the RNG unit tests in rng.test.ts.

Uses numpy only (no streaming code). Run from this folder: python3 numpy-vectors.py
numpy's Generator streams for these methods are identical across 1.21 - 2.x. For argsort with equal
keys we want numpy's generic introsort (what numpy <= 1.24 runs everywhere), so the SIMD sorts of
numpy >= 1.25 are switched off below (X86_V3 = AVX2 and friends, the group name in numpy 2.x).
"""
import json
import os

# numpy 1.x names features differently (AVX2, ...); its argsort has no SIMD path, so pass
# NPY_DISABLE_CPU_FEATURES= (empty) there if it objects to these names.
os.environ.setdefault('NPY_DISABLE_CPU_FEATURES', 'X86_V3 X86_V4 AVX512_ICL AVX512_SPR')

import numpy as np  # noqa: E402

SEEDS = [0, 1, 9176, 9177, 2**32 + 5, 2**160 + 12345]


def calls(seed):
    out = {}
    rng = np.random.default_rng(seed)
    out['random_raw_4'] = [str(x) for x in rng.bit_generator.random_raw(4)]
    rng = np.random.default_rng(seed)
    out['permutation_300'] = rng.permutation(300).tolist()
    # Mixed draws: next32 buffering must survive next64 / next_double calls in between.
    rng = np.random.default_rng(seed)
    mixed = []
    for low, high in [(0, 1), (0, 10), (0, 2**32), (5, 2**32 + 5), (-10, 10), (0, 2**33), (0, 2**53), (196608, 327680)]:
        mixed.append(['integers', low, high, int(rng.integers(low, high))])
        mixed.append(['random', float(rng.random())])
        mixed.append(['integers', 0, 7, int(rng.integers(0, 7))])
        mixed.append(['uniform', -2.5, 4.0, float(rng.uniform(-2.5, 4.0))])
    out['mixed'] = mixed
    rng = np.random.default_rng(seed)
    out['integers_0_1000_x50'] = rng.integers(0, 1000, 50).tolist()
    choices = []
    for n, k in [(10, 3), (100, 100), (20000, 500), (20000, 300), (10001, 10001), (3, 0)]:
        rng = np.random.default_rng(seed)
        picked = rng.choice(n, k, replace=False)
        choices.append({'n': n, 'k': k, 'first': picked[:20].tolist(), 'sum': int(picked.sum()),
                        'weighted': int((picked * np.arange(1, k + 1)).sum()), 'next': str(rng.bit_generator.random_raw())})
    out['choice'] = choices
    rng = np.random.default_rng(seed)
    items = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    rng.shuffle(items)
    arr = np.arange(1000, 1040)
    rng.shuffle(arr[5:30])
    out['shuffle_list_then_slice'] = {'list': items, 'array': arr.tolist()}
    return out


def main():
    vectors = {'numpy_version': np.__version__, 'seeds': []}
    for seed in SEEDS:
        entry = {'seed': str(seed)}
        entry['seed_sequence_state_8xu32'] = np.random.SeedSequence(seed).generate_state(8, np.uint32).tolist()
        entry.update(calls(seed))
        vectors['seeds'].append(entry)
    # argsort of distinct float64 keys (numpy's order for equal keys depends on the CPU since 1.25).
    rng = np.random.default_rng(7)
    keys = np.arange(5000) + rng.uniform(-40.0, 40.0, 5000)
    vectors['argsort'] = {'seed': 7, 'n': 5000, 'low': -40.0, 'high': 40.0, 'order': np.argsort(keys).tolist()}
    # Equal keys: i + integers(-300, 300), many ties.
    rng = np.random.default_rng(11)
    ties = (np.arange(5000) + rng.integers(-300, 300, 5000)).astype(np.float64)
    vectors['argsort_ties'] = {'seed': 11, 'n': 5000, 'low': -300, 'high': 300, 'order': np.argsort(ties).tolist(),
                               'pattern': np.argsort(np.array([3.0, 3.0, 1.0, 1.0, 2.0, 2.0] * 10)).tolist()}
    with open('numpy-vectors.json', 'w') as f:
        json.dump(vectors, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
