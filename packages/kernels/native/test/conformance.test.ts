/**
 * The conformance suite on the native backend's fastest path on this machine (two threads, so the
 * threaded code paths run). The lower paths run in isa-paths.test.ts.
 */
import { describe, it } from 'vitest';
import { describeBackend } from '@tessera/kernels-conformance';
import { createNativeBackend, nativeStatus } from '../src/index.js';

const status = nativeStatus();

if (status.available) {
  describeBackend('native (fastest ISA, 2 threads)', () => createNativeBackend({ threads: 2, fallback: 'throw' }));
} else {
  describe.skip(`native conformance (skipped: ${status.reason})`, () => {
    it('needs the compiled addon', () => {});
  });
}
