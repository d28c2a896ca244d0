/**
 * Errors of the WASM backend, on the core's TesseraError base (stable marker, `isInstance`, hint).
 */
import { TesseraError } from '@tessera/tensor';

/**
 * Linear memory could not grow to hold a buffer (wasm32 addresses at most 4 GiB, or the engine refused).
 *
 * @example
 * ```ts
 * try { zeros([2 ** 31]); } catch (e) { if (OutOfMemoryError.isInstance(e)) console.log(e.requestedBytes); }
 * ```
 */
export class OutOfMemoryError extends TesseraError {
  constructor(readonly requestedBytes: number, readonly heapBytes: number, readonly freeBytes: number, cause?: unknown) {
    super(`@tessera/kernels-wasm: linear memory cannot grow to ${requestedBytes} bytes (heap ${heapBytes} bytes, ${freeBytes} of them in free lists)${
      cause instanceof Error ? `: ${cause.message}` : ''}`, {
      hint: 'dispose tensors you no longer need (scope/tidy), or use a smaller batch; wasm32 memory ends at 4 GiB',
    });
  }

  static override isInstance(value: unknown): value is OutOfMemoryError {
    return TesseraError.isInstance(value) && value.name === 'OutOfMemoryError';
  }
}

/**
 * The compiled kernels could not be loaded or a worker thread failed to start.
 *
 * @example
 * ```ts
 * try { await createWasmBackend({ wasm: '/missing.wasm' }); }
 * catch (e) { if (WasmBackendUnavailableError.isInstance(e)) console.log(e.reason); }
 * ```
 */
export class WasmBackendUnavailableError extends TesseraError {
  constructor(readonly reason: string) {
    super(`@tessera/kernels-wasm: the WebAssembly kernels are unavailable: ${reason}`, {
      hint: 'build them with `pnpm --filter @tessera/kernels-wasm run build:wasm`, or pass `wasm` (a URL, bytes or a compiled module) to createWasmBackend',
    });
  }

  static override isInstance(value: unknown): value is WasmBackendUnavailableError {
    return TesseraError.isInstance(value) && value.name === 'WasmBackendUnavailableError';
  }
}
