/**
 * The wasm fused optimizer steps against their decompositions, bit for bit, in float32 and
 * float64, with and without weight decay, on sizes below and above the threading chunk, with 1
 * and 2 threads: the shared suite `describeOptimizerSteps` of @tessera/kernels-conformance (which
 * restates the trainer's `LionStep`/`AdamStep` definitions once, since kernel packages do not
 * depend on the trainer). The trainer's test/optim-kernels.test.ts runs its real definitions too.
 */
import { describe, expect, it } from 'vitest';
import { OPTIMIZER_STEP_KERNELS, describeOptimizerSteps } from '@tessera/kernels-conformance';
import { createWasmBackend, wasmKernelNames } from '../src/index.js';
import { AdamStep, LionStep, optimKernels } from '../src/kernels/optim.js';

describe('wasm optimizer-step kernels', () => {
  it('are the ones the shared suite restates, by name, and listed in wasmKernelNames', () => {
    expect([LionStep.name, AdamStep.name]).toEqual([...OPTIMIZER_STEP_KERNELS]);
    expect(optimKernels.map((k) => k.def.name)).toEqual([...OPTIMIZER_STEP_KERNELS]);
    expect(wasmKernelNames).toEqual(expect.arrayContaining([...OPTIMIZER_STEP_KERNELS]));
  });
});

describeOptimizerSteps('wasm', async () => [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })]);
