/**
 * Backend choice (apps choose backends; library packages never import a concrete one).
 * `backend: auto` uses `@tessera/kernels-native` when its addon loads and falls back to the
 * reference CPU backend with a notice; `native` requires it; `cpu` is the reference backend.
 *
 * Also the machine's peak FLOP/s estimate for MFU: cores x SIMD FLOPs per cycle (AVX-512: 64,
 * AVX2 + FMA: 32, else 8, from /proc/cpuinfo) x clock.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createNativeBackend, NativeBackend, NativeBackendUnavailableError } from '@tessera/kernels-native';
import { createCpuBackend, useBackend } from '@tessera/tensor';
import type { Reporter } from './report.js';

/** The backend in use. */
export interface SelectedBackend {
  readonly name: 'native' | 'cpu';
  /** e.g. "native (avx2, 2 threads)". */
  readonly description: string;
}

/**
 * Select the backend new tensors are made on.
 *
 * @example
 * ```ts
 * const backend = await selectBackend('auto', reporter); // { name: 'native', description: 'native (avx2, 2 threads)' }
 * ```
 */
export async function selectBackend(choice: 'auto' | 'cpu' | 'native', reporter: Reporter): Promise<SelectedBackend> {
  if (choice !== 'cpu') {
    try {
      const backend = await createNativeBackend({ fallback: 'throw' });
      useBackend(backend);
      return { name: 'native', description: backend instanceof NativeBackend ? `native (${backend.isa}, ${backend.threads} threads)` : 'native' };
    } catch (error) {
      if (choice === 'native' || !NativeBackendUnavailableError.isInstance(error)) throw error;
      reporter.warn(`the native backend is unavailable (${error.reason}); using the reference CPU backend, which is several times slower`);
    }
  }
  useBackend(createCpuBackend());
  return { name: 'cpu', description: 'reference CPU (plain TypeScript, 1 thread)' };
}

/**
 * Peak FLOP/s of this machine (all cores, float32 SIMD FMA), estimated from /proc/cpuinfo;
 * undefined where that is unreadable.
 *
 * @example
 * ```ts
 * estimatePeakFlops(); // 2 cores x 32 FLOP/cycle x 2.5 GHz = 1.6e11
 * ```
 */
export function estimatePeakFlops(): { flops: number; description: string } | undefined {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? []);
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  if (!(mhz > 0)) return undefined;
  const [perCycle, isa] = flags.has('avx512f') ? [64, 'AVX-512'] : flags.has('avx2') && flags.has('fma') ? [32, 'AVX2+FMA'] : [8, 'SSE'];
  const cores = availableParallelism();
  return { flops: cores * perCycle * mhz * 1e6, description: `${cores} cores x ${perCycle} FLOP/cycle (${isa}) x ${(mhz / 1000).toFixed(2)} GHz` };
}
