/**
 * Loading the Node-API addon and talking to it.
 *
 * The addon (`build/Release/tessera_native.node`, built from `native/` by `node-gyp` at install)
 * exports one function per kernel family. Buffers travel as the backend's typed arrays (the addon
 * reads their memory in place); everything else a call needs (ISA, threads, op codes, views) is
 * written into one shared Float64Array registered once with `init`, in the order `native/addon.cc`
 * reads it: `[isa, threads, ...call fields, ...views]`, a view being
 * `[dtype, rank, offset, ...shape, ...strides]`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType, StorageArray, TensorInfo } from '@tessera/tensor';

/** An instruction-set path of the addon, fastest first. @example `const isa: NativeIsa = 'avx2'` */
export type NativeIsa = 'avx512' | 'avx2' | 'sse';

/** One ISA path and whether this CPU and build can run it. @example `info.isas.filter((i) => i.available)` */
export interface NativeIsaInfo {
  name: NativeIsa;
  available: boolean;
  /** Why it is unavailable ('' when available). */
  reason: string;
}

/** What the loaded addon reports about itself. @example `if (status.available) console.log(status.isas)` */
export interface NativeAddonInfo {
  /** Every path in preference order (avx512, avx2, sse). */
  isas: NativeIsaInfo[];
  /** A development build whose avx512 path was compiled for AVX2 (to test it without AVX-512). */
  emulatedAvx512: boolean;
  /** Hardware threads the addon sees. */
  cores: number;
}

/** The addon's functions (see native/addon.cc). Output arrays are written in place. */
export interface NativeAddon {
  init(meta: Float64Array): NativeAddonInfo;
  unary(x: StorageArray, y: StorageArray): void;
  binary(a: StorageArray, b: StorageArray, y: StorageArray): void;
  compare(a: StorageArray, b: StorageArray, y: StorageArray): void;
  where(cond: StorageArray, a: StorageArray, b: StorageArray, y: StorageArray): void;
  cast(x: StorageArray, y: StorageArray): void;
  copy(x: StorageArray, y: StorageArray): void;
  reduce(x: StorageArray, y: StorageArray): void;
  matmul(a: StorageArray, b: StorageArray, y: StorageArray): void;
  softmax(x: StorageArray, y: StorageArray): void;
  layerNorm(x: StorageArray, weight: StorageArray, bias: StorageArray | null, y: StorageArray): void;
  /** Returns the first invalid target's position, or -1. */
  crossEntropy(logits: StorageArray, targets: StorageArray, y: StorageArray): number;
  /** dx = dy * gelu'(x) (contiguous dy and x). */
  geluBackward(dy: StorageArray, x: StorageArray, dx: StorageArray): void;
  /** LayerNorm gradients: fills dx, dweight and (when not null) dbias. */
  layerNormBackward(dy: StorageArray, x: StorageArray, weight: StorageArray, dx: StorageArray, dweight: StorageArray, dbias: StorageArray | null): void;
  /** Cross-entropy gradient of the logits; returns the first invalid target's position, or -1. */
  crossEntropyBackward(logits: StorageArray, targets: StorageArray, dy: StorageArray, y: StorageArray): number;
  /** Returns the first invalid id's position, or -1. */
  gather(weight: StorageArray, ids: StorageArray, y: StorageArray): number;
  /** Returns the first invalid id's position, or -1. */
  scatterAdd(dy: StorageArray, ids: StorageArray, y: StorageArray): number;
  /** Fused attention forward; slopes (ALiBi, one per query head) as float64. */
  attention(q: StorageArray, k: StorageArray, v: StorageArray, mask: StorageArray | null, slopes: Float64Array | null, y: StorageArray): void;
  /** Fused attention backward: fills dq, dk, dv (zero-filled on entry). */
  attentionBackward(q: StorageArray, k: StorageArray, v: StorageArray, out: StorageArray, dOut: StorageArray, mask: StorageArray | null,
    slopes: Float64Array | null, dq: StorageArray, dk: StorageArray, dv: StorageArray): void;
  /** Fused LION step: fills pOut, mOut. */
  lionStep(p: StorageArray, g: StorageArray, m: StorageArray, pOut: StorageArray, mOut: StorageArray): void;
  /** Fused Adam step: fills pOut, mOut, vOut. */
  adamStep(p: StorageArray, g: StorageArray, m: StorageArray, v: StorageArray, pOut: StorageArray, mOut: StorageArray, vOut: StorageArray): void;
  /** Ask the OS for huge pages behind a new, untouched buffer (no-op for small ones or off Linux). */
  adviseHugePages(array: StorageArray): void;
  /** target = source for a new target of the same type and length, copied by several threads. */
  copyOut(source: StorageArray, target: StorageArray): void;
}

const ADDON_FUNCTIONS = [
  'init', 'unary', 'binary', 'compare', 'where', 'cast', 'copy', 'reduce', 'matmul', 'softmax', 'layerNorm',
  'crossEntropy', 'geluBackward', 'layerNormBackward', 'crossEntropyBackward', 'gather', 'scatterAdd', 'attention', 'attentionBackward', 'lionStep', 'adamStep', 'adviseHugePages', 'copyOut',
] as const;

function isNativeAddon(value: unknown): value is NativeAddon {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ADDON_FUNCTIONS.every((name) => typeof record[name] === 'function');
}

/** Dtype numbers shared with native/common.h. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, float64: 1, float16: 2, bfloat16: 3, int32: 4, bool: 5 };

/** The loaded addon and its metadata array, or why it could not be loaded. */
export type AddonState =
  | { readonly ok: true; readonly addon: NativeAddon; readonly info: NativeAddonInfo; readonly meta: Meta; readonly path: string }
  | { readonly ok: false; readonly reason: string };

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the addon may be, in order: TESSERA_NATIVE_BINARY, the install-time build, a prebuild. */
export function addonCandidates(): string[] {
  const override = process.env.TESSERA_NATIVE_BINARY;
  return [
    ...(override ? [override] : []),
    join(packageRoot, 'build', 'Release', 'tessera_native.node'),
    join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'tessera_native.node'),
  ];
}

let state: AddonState | undefined;

/** Load the addon once per thread; never throws (the failure is described in `reason`). */
export function loadAddon(): AddonState {
  if (state) return state;
  const candidates = addonCandidates();
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    state = { ok: false, reason: `no compiled addon (looked for ${candidates.join(', ')}); the install-time build did not run or failed` };
    return state;
  }
  try {
    const loaded: unknown = createRequire(import.meta.url)(found);
    if (!isNativeAddon(loaded)) {
      state = { ok: false, reason: `${found} is not a compatible build of this package (missing functions); rebuild it` };
      return state;
    }
    const meta = new Meta();
    const info = loaded.init(meta.array);
    state = { ok: true, addon: loaded, info, meta, path: found };
  } catch (error) {
    state = { ok: false, reason: `${found} failed to load: ${error instanceof Error ? error.message : String(error)}` };
  }
  return state;
}

/**
 * The shared call-description array. `begin` starts a call; the kernels then push their fields and
 * views in the order the addon reads them.
 */
export class Meta {
  readonly array = new Float64Array(1024);
  #at = 0;

  begin(isa: number, threads: number): this {
    this.#at = 0;
    return this.push(isa, threads);
  }

  push(...values: number[]): this {
    for (const v of values) this.array[this.#at++] = v;
    return this;
  }

  /** A kernel input: dtype, rank, offset, shape, strides. */
  view(info: TensorInfo): this {
    this.push(DTYPE_CODE[info.dtype], info.shape.length, info.offset);
    for (const d of info.shape) this.array[this.#at++] = d;
    for (const s of info.strides) this.array[this.#at++] = s;
    return this;
  }

  /** A contiguous buffer seen as `shape` (an output, or a contiguous temporary). */
  contiguous(dtype: DType, shape: readonly number[]): this {
    this.push(DTYPE_CODE[dtype], shape.length, 0);
    for (const d of shape) this.array[this.#at++] = d;
    for (const s of rowMajor(shape)) this.array[this.#at++] = s;
    return this;
  }
}

/** Row-major strides of a shape. */
export function rowMajor(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}
