/**
 * `np.argsort(values)` for float64 with the default `kind='quicksort'`, reproducing numpy's order
 * exactly, equal keys included.
 *
 * numpy <= 1.24 runs its generic `aquicksort` on every CPU: introsort with median-of-3
 * partitioning, insertion sort for partitions of at most 16 elements and heapsort past a depth of
 * 2·floor(log2 n), keys compared with `a < b || (b is NaN && a is not NaN)` (NaNs last).
 * {@link introsortArgsort} replays it step by step. (numpy >= 1.25 may dispatch to an AVX-512, later
 * also AVX2, sort whose order of equal keys differs by CPU; distinct keys sort the same everywhere.)
 *
 * When all keys are finite and distinct the sorted order is unique, so {@link argsort} first tries an
 * O(n) bucket sort (keys bucketed by value between min and max, buckets sorted by insertion) and
 * replays numpy's introsort only when it finds equal keys, non-finite keys or badly skewed buckets.
 * Only `py1e` sorts: positions `i + shift`, spread evenly, whose exact ties are rare.
 */

const SMALL_QUICKSORT = 15;

function less(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

/**
 * Indices that sort `values` ascending, in numpy's order (see the module doc).
 *
 * @example
 * ```ts
 * Array.from(argsort(new Float64Array([0.5, -1, 3]))); // [1, 0, 2]
 * ```
 */
export function argsort(values: Float64Array): Int32Array {
  return argsortDistinct(values) ?? introsortArgsort(values);
}

/**
 * numpy's `aquicksort` replayed step by step (the order numpy <= 1.24 gives equal keys).
 *
 * @example
 * ```ts
 * Array.from(introsortArgsort(new Float64Array([2, 1, 2]))); // [1, 0, 2]
 * ```
 */
export function introsortArgsort(values: Float64Array): Int32Array {
  const num = values.length;
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const v = values;
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = 2 * (31 - Math.clz32(num));

  for (;;) {
    if (cdepth < 0) {
      heapsortRange(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(v[tosort[pm]!]!, v[tosort[pl]!]!)) swap(tosort, pm, pl);
        if (less(v[tosort[pr]!]!, v[tosort[pm]!]!)) swap(tosort, pr, pm);
        if (less(v[tosort[pm]!]!, v[tosort[pl]!]!)) swap(tosort, pm, pl);
        const vp = v[tosort[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(tosort, pm, pj);
        for (;;) {
          do ++pi;
          while (less(v[tosort[pi]!]!, vp));
          do --pj;
          while (less(vp, v[tosort[pj]!]!));
          if (pi >= pj) break;
          swap(tosort, pi, pj);
        }
        const pk = pr - 1;
        swap(tosort, pi, pk);
        // Push the larger partition, continue with the smaller one.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      // Insertion sort.
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && less(vp, v[tosort[pk]!]!)) tosort[pj--] = tosort[pk--]!;
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return tosort;
}

function swap(a: Int32Array, i: number, j: number): void {
  const tmp = a[i]!;
  a[i] = a[j]!;
  a[j] = tmp;
}

/** numpy's `aheapsort` on `tosort[start .. start+n)` (1-based heap indexing). */
function heapsortRange(v: Float64Array, tosort: Int32Array, start: number, n: number): void {
  const base = start - 1; // a[k] = tosort[base + k]
  for (let l = n >> 1; l > 0; --l) {
    const tmp = tosort[base + l]!;
    let i = l;
    let j = l << 1;
    while (j <= n) {
      if (j < n && less(v[tosort[base + j]!]!, v[tosort[base + j + 1]!]!)) j += 1;
      if (less(v[tmp]!, v[tosort[base + j]!]!)) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
  for (let m = n; m > 1; ) {
    const tmp = tosort[base + m]!;
    tosort[base + m] = tosort[base + 1]!;
    m -= 1;
    let i = 1;
    let j = 2;
    while (j <= m) {
      if (j < m && less(v[tosort[base + j]!]!, v[tosort[base + j + 1]!]!)) j++;
      if (less(v[tmp]!, v[tosort[base + j]!]!)) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
}

/**
 * Bucket sort for finite, distinct keys; `null` when keys repeat, are not finite, or crowd into
 * a few buckets (then the caller replays numpy's introsort). Two levels keep memory access local:
 * keys are first scattered into about n/2048 coarse buckets by value, then each coarse bucket is
 * bucket-sorted again over its own range and finished by insertion sort, all in cache.
 * Bucketing by floor((x − min)·scale) is monotone (rounding never reverses an order), so sorting
 * buckets independently sorts the whole.
 */
function argsortDistinct(values: Float64Array): Int32Array | null {
  const n = values.length;
  if (n < 2) return n === 1 ? Int32Array.of(0) : new Int32Array(0);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    else if (x !== x) return null;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return null;

  const coarse = Math.max(1, Math.ceil(n / 2048));
  const coarseScale = coarse / (max - min);
  const coarseLast = coarse - 1;
  const bounds = new Int32Array(coarse + 1);
  for (let i = 0; i < n; i++) bounds[Math.min(coarseLast, Math.floor((values[i]! - min) * coarseScale)) + 1]!++;
  let largest = 0;
  for (let c = 0; c < coarse; c++) {
    largest = Math.max(largest, bounds[c + 1]!);
    bounds[c + 1]! += bounds[c]!;
  }
  const keys = new Float64Array(n);
  const indices = new Int32Array(n);
  const cursor = bounds.slice(0, coarse);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    const at = cursor[Math.min(coarseLast, Math.floor((x - min) * coarseScale))]!++;
    keys[at] = x;
    indices[at] = i;
  }

  const out = new Int32Array(n);
  const localKeys = new Float64Array(largest);
  const localIndices = new Int32Array(largest);
  const localBucket = new Int32Array(largest);
  const localEnds = new Int32Array(largest + 1);
  let budget = 8 * n;
  for (let c = 0; c < coarse; c++) {
    const start = bounds[c]!;
    const m = bounds[c + 1]! - start;
    if (m === 0) continue;
    if (m === 1) {
      out[start] = indices[start]!;
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = start; j < start + m; j++) {
      const x = keys[j]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (!(hi > lo)) return null; // m >= 2 equal keys
    const scale = m / (hi - lo);
    const last = m - 1;
    localEnds.fill(0, 0, m + 1);
    for (let j = 0; j < m; j++) {
      const b = Math.min(last, Math.floor((keys[start + j]! - lo) * scale));
      localBucket[j] = b;
      localEnds[b + 1]!++;
    }
    for (let b = 0; b < m; b++) localEnds[b + 1]! += localEnds[b]!;
    for (let j = 0; j < m; j++) {
      const at = localEnds[localBucket[j]!]!++;
      localKeys[at] = keys[start + j]!;
      localIndices[at] = indices[start + j]!;
    }
    // localEnds[b] is now the end of fine bucket b: insertion-sort each one.
    let begin = 0;
    for (let b = 0; b < m; b++) {
      const end = localEnds[b]!;
      for (let i = begin + 1; i < end; i++) {
        const key = localKeys[i]!;
        const index = localIndices[i]!;
        let j = i;
        while (j > begin && key < localKeys[j - 1]!) {
          localKeys[j] = localKeys[j - 1]!;
          localIndices[j] = localIndices[j - 1]!;
          j--;
        }
        localKeys[j] = key;
        localIndices[j] = index;
        budget -= i - j + 1;
      }
      begin = end;
    }
    if (budget < 0) return null;
    for (let j = 1; j < m; j++) if (localKeys[j] === localKeys[j - 1]) return null;
    out.set(localIndices.subarray(0, m), start);
  }
  return out;
}
