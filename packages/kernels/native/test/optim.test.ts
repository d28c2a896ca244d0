/**
 * The native fused optimizer steps against their decompositions, bit for bit, in float32 and
 * float64, with and without weight decay, on sizes below and above the threading grain: the
 * shared suite `describeOptimizerSteps` of @tessera/kernels-conformance (which restates the
 * trainer's `LionStep`/`AdamStep` definitions once, since kernel packages do not depend on the
 * trainer). The trainer's test/optim-kernels.test.ts runs its real definitions on this backend too.
 */
import { describe, expect, it } from 'vitest';
import { OPTIMIZER_STEP_KERNELS, describeOptimizerSteps } from '@tessera/kernels-conformance';
import { createNativeBackend, nativeStatus } from '../src/index.js';
import { AdamStep, LionStep, optimKernels } from '../src/kernels/optim.js';

const status = nativeStatus();

describe('native optimizer-step kernels', () => {
  it('are the ones the shared suite restates, by name', () => {
    expect([LionStep.name, AdamStep.name]).toEqual([...OPTIMIZER_STEP_KERNELS]);
    expect(optimKernels.map((k) => k.def.name)).toEqual([...OPTIMIZER_STEP_KERNELS]);
  });
});

describeOptimizerSteps('native', async () => [await createNativeBackend({ threads: 2, fallback: 'throw' })],
  status.available ? {} : { skip: status.reason });
