/**
 * Loading and instantiating the compiled kernels (wasm/*.wasm, built from assembly/ by
 * scripts/build-wasm.mjs). Two variants: one importing a shared memory (threads) and one importing
 * an unshared memory (pages without cross-origin isolation). The module keeps no state in memory:
 * every buffer, parameter block and workspace is allocated here, in JavaScript.
 */

/** The module's exports (assembly/index.ts). Addresses are byte offsets into linear memory. */
export interface KernelExports {
  sgemm(params: number, thread: number): void;
  gemmWorkspaceBytes(nTile: number): number;
  unary(op: number, x: number, y: number, params: number): void;
  binary(op: number, a: number, b: number, y: number, params: number): void;
  reduce(op: number, x: number, y: number, outputs: number, outputStride: number, reduced: number, reducedStride: number): void;
  softmax(x: number, y: number, rows: number, n: number, log: number): void;
  layerNorm(x: number, weight: number, bias: number, y: number, rows: number, n: number, eps: number): void;
  crossEntropy(x: number, targets: number, rows: number, classes: number, ignoreIndex: number, out: number): number;
  gather(weight: number, ids: number, y: number, count: number, rows: number, D: number): number;
  scatterAdd(dy: number, ids: number, y: number, count: number, rows: number, D: number): number;
  attentionForward(params: number, thread: number): void;
  attentionBackward(params: number, thread: number): void;
  attentionWorkspaceBytes(hd: number, Tk: number, backward: number): number;
  optimizerStep(params: number, thread: number): void;
  rowsJob(params: number, thread: number): void;
  heapBase(): number;
}

const EXPORTS = [
  'sgemm', 'gemmWorkspaceBytes', 'unary', 'binary', 'reduce', 'softmax', 'layerNorm', 'crossEntropy', 'gather', 'scatterAdd',
  'attentionForward', 'attentionBackward', 'attentionWorkspaceBytes', 'optimizerStep', 'rowsJob', 'heapBase',
] as const;

function isKernelExports(value: WebAssembly.Exports): value is WebAssembly.Exports & KernelExports {
  return EXPORTS.every((name) => typeof value[name] === 'function');
}

/**
 * Where the compiled module comes from: a URL or path of the .wasm file, its bytes, or a compiled module.
 *
 * @example
 * ```ts
 * const wasm: WasmSource = new URL('/assets/tessera-kernels.wasm', location.href);
 * await createWasmBackend({ threads: 2, wasm });
 * ```
 */
export type WasmSource = string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module;

/**
 * The file names of the two variants, next to each other in the package's `wasm/` folder.
 *
 * @example
 * ```ts
 * app.use('/wasm', express.static(dirname(fileURLToPath(defaultWasmUrl(true))))); // serves WASM_FILES.shared and .single
 * ```
 */
export const WASM_FILES = { shared: 'tessera-kernels.wasm', single: 'tessera-kernels-single.wasm' } as const;

/**
 * The default location of a variant: `../wasm/<file>` from this module (src/ and dist/ alike).
 *
 * @example
 * ```ts
 * const bytes = await readFile(defaultWasmUrl(true)); // Node: the shared-memory build
 * ```
 */
export function defaultWasmUrl(shared: boolean): URL {
  return new URL(`../wasm/${shared ? WASM_FILES.shared : WASM_FILES.single}`, import.meta.url);
}

/** True when running under Node.js (worker_threads and the file system are available). */
export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function readBytes(location: string | URL): Promise<ArrayBuffer> {
  const url = typeof location === 'string' && !/^[a-z]+:/i.test(location) ? undefined : new URL(location);
  if (isNode && (!url || url.protocol === 'file:')) {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(url ?? location);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url ?? location);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compile (once per location) the module from `source`, or from the package's own file. */
export function compileKernels(source: WasmSource | undefined, shared: boolean): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer) return WebAssembly.compile(source);
  if (source instanceof Uint8Array) return WebAssembly.compile(source.slice());
  const location = source ?? defaultWasmUrl(shared);
  const key = String(location);
  let module = compiled.get(key);
  if (!module) {
    module = readBytes(location).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(key, module);
    module.catch(() => compiled.delete(key));
  }
  return module;
}

/** Instantiate `module` over `memory` and check that it is this package's kernel module. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports;
  if (!isKernelExports(exports)) {
    const missing = EXPORTS.filter((name) => typeof exports[name] !== 'function');
    throw new Error(`the WebAssembly module is not a build of @tessera/kernels-wasm (missing exports: ${missing.join(', ')})`);
  }
  return exports;
}
