/**
 * The conformance suite on every lower instruction-set path, forced the way a user forces one:
 * TESSERA_NATIVE_ISA, read when the backend is created. Paths this machine cannot run are listed
 * as skipped with the reason.
 */
import { describe, expect, it } from 'vitest';
import { describeBackend } from '@tessera/kernels-conformance';
import { InvalidArgumentError } from '@tessera/tensor';
import { createNativeBackend, nativeStatus, type NativeBackend } from '../src/index.js';

const status = nativeStatus();

async function withIsaEnv(isa: string): Promise<NativeBackend> {
  const previous = process.env.TESSERA_NATIVE_ISA;
  process.env.TESSERA_NATIVE_ISA = isa;
  try {
    const backend = await createNativeBackend({ threads: 2, fallback: 'throw' });
    if (!('isa' in backend) || backend.isa !== isa) throw new Error(`TESSERA_NATIVE_ISA=${isa} did not select that path`);
    return backend;
  } finally {
    if (previous === undefined) delete process.env.TESSERA_NATIVE_ISA;
    else process.env.TESSERA_NATIVE_ISA = previous;
  }
}

if (status.available) {
  const usable = status.isas.filter((i) => i.available);
  for (const isa of status.isas) {
    if (isa === usable[0]) continue; // the fastest path runs in conformance.test.ts
    if (!isa.available) {
      describe.skip(`native conformance with TESSERA_NATIVE_ISA=${isa.name} (skipped: ${isa.reason})`, () => {
        it('needs a CPU with these instructions', () => {});
      });
      continue;
    }
    describeBackend(`native (TESSERA_NATIVE_ISA=${isa.name}, 2 threads)`, () => withIsaEnv(isa.name));
  }

  describe('choosing a path', () => {
    it('refuses a path this CPU or build cannot run, naming the ones it can', async () => {
      const missing = status.isas.find((i) => !i.available)?.name ?? 'neon';
      const error = await withIsaEnv(missing).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(String(error)).toContain(usable.map((i) => i.name).join(', '));
    });

    it('takes the option over the environment variable', async () => {
      const lowest = usable[usable.length - 1]!.name;
      const previous = process.env.TESSERA_NATIVE_ISA;
      process.env.TESSERA_NATIVE_ISA = usable[0]!.name;
      try {
        const backend = await createNativeBackend({ isa: lowest, fallback: 'throw' });
        expect('isa' in backend && backend.isa).toBe(lowest);
      } finally {
        if (previous === undefined) delete process.env.TESSERA_NATIVE_ISA;
        else process.env.TESSERA_NATIVE_ISA = previous;
      }
    });
  });
} else {
  describe.skip(`native ISA paths (skipped: ${status.reason})`, () => {
    it('needs the compiled addon', () => {});
  });
}
