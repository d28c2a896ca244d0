/**
 * `--profile` for bench/run.ts: the backend behind a proxy whose kernels (and buffer allocation)
 * are timed, so a run can print where the time goes, per kernel definition (Matmul split by
 * operand shapes and layout). Kernels run synchronously on the CPU backends, so wall time around
 * `run` is the kernel's time; whatever is left of a step is JavaScript (engine, autograd, ops).
 */
import type { Backend, KernelRegistration, TensorInfo } from '@tessera/tensor';

interface Entry { calls: number; ms: number }
const entries = new Map<string, Entry>();

function add(key: string, ms: number): void {
  const entry = entries.get(key) ?? { calls: 0, ms: 0 };
  entry.calls++;
  entry.ms += ms;
  entries.set(key, entry);
}

function layout(x: TensorInfo): string {
  const n = x.shape.length;
  const transposed = n >= 2 && x.strides[n - 1] !== 1;
  return `[${x.shape.join(',')}]${transposed ? 'T' : ''}`;
}

/** The same backend under the name `<name>-profiled`, every kernel and alloc timed. */
export function profiled(target: Backend): Backend {
  const kernels: KernelRegistration<Backend>[] = target.kernels.map((registration) => ({
    def: registration.def,
    run: (context) => {
      const start = performance.now();
      registration.run(context);
      const name = registration.def.name;
      const detail = process.env.TESSERA_PROFILE_SHAPES === '1' || name === 'Matmul';
      add(detail ? `${name} ${context.inputs.map(layout).join(name === 'Matmul' ? '@' : ' ')}` : name, performance.now() - start);
    },
  }));
  return new Proxy(target, {
    get(object, property) {
      if (property === 'name') return `${object.name}-profiled`;
      if (property === 'kernels') return kernels;
      const value: unknown = Reflect.get(object, property, object);
      if (property === 'alloc' && typeof value === 'function') {
        return (...rest: unknown[]) => {
          const start = performance.now();
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(object, rest);
          add('(alloc)', performance.now() - start);
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** Print (to stderr) and reset: milliseconds per `per` (e.g. per step), largest first. */
export function printProfile(title: string, per: number): void {
  const rows = [...entries].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, e]) => s + e.ms, 0);
  process.stderr.write(`profile: ${title}; ms per step (kernels total ${(total / per).toFixed(1)})\n`);
  for (const [key, e] of rows.slice(0, 40)) {
    process.stderr.write(`  ${(e.ms / per).toFixed(2).padStart(9)}  ${String(Math.round(e.calls / per)).padStart(5)} calls  ${key}\n`);
  }
  entries.clear();
}
