/**
 * Backend choice (apps choose backends; library packages never import a concrete one).
 * `auto` (the default) uses `@tessera/kernels-native` when its addon loads and otherwise the
 * reference CPU backend, with a notice; `native` requires the addon; `cpu` is the reference
 * backend. The server's decode steps are matrix products of a few dozen rows, where the native
 * SGEMM is many times faster than the plain TypeScript one, so batching pays off far more there
 * (see the README's load-test section).
 */
import { createNativeBackend, NativeBackend, NativeBackendUnavailableError } from '@tessera/kernels-native';
import { createCpuBackend, useBackend } from '@tessera/tensor';

/** What `--backend` accepts. */
export type BackendChoice = 'auto' | 'cpu' | 'native';

/**
 * Select the backend new tensors are made on; returns a description for the startup line.
 *
 * @example
 * ```ts
 * await selectBackend('auto', { threads: 1, warn: console.warn }); // 'native (avx512, 1 thread)'
 * ```
 */
export async function selectBackend(choice: BackendChoice, options: { threads?: number; warn: (message: string) => void }): Promise<string> {
  if (choice !== 'cpu') {
    try {
      const backend = await createNativeBackend({ fallback: 'throw', ...(options.threads ? { threads: options.threads } : {}) });
      useBackend(backend);
      return backend instanceof NativeBackend ? `native (${backend.isa}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'})` : 'native';
    } catch (error) {
      if (choice === 'native' || !NativeBackendUnavailableError.isInstance(error)) throw error;
      options.warn(`the native backend is unavailable (${error.reason}); using the reference CPU backend, which is several times slower`);
    }
  }
  useBackend(createCpuBackend());
  return 'reference CPU (plain TypeScript, 1 thread)';
}
