/**
 * Finite-difference gradient checks (float64, reference CPU backend) for every differentiable
 * conformance case, and a proof that gradCheck catches a wrong rule.
 */
import { describe, expect, it } from 'vitest';
import { defineGrad, defineKernel, dispose, mul, randn, runKernel, sum, type Tensor } from '@tessera/tensor';
import { isDifferentiableCase } from './case.js';
import { conformanceCases } from './cases/index.js';
import { describeGradCheck, expectGradClose, gradCheck } from './grad-check.js';

describe('gradCheck of every differentiable case (float64)', () => {
  for (const c of conformanceCases.filter(isDifferentiableCase)) {
    it(`${c.kernel}: ${c.name}`, async () => {
      const xs = c.inputs();
      try {
        await expectGradClose(c.run, xs, c.gradCheck);
      } finally {
        dispose(xs);
      }
    });
  }
});

// Test-only kernels are named with the prefix `Test`; the completeness test ignores that prefix.
// y = x^2, decomposed into primitives; one rule right, one missing the factor 2.
const TestSquare = defineKernel({
  name: 'TestSquare',
  inputs: ['x'],
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  decompose: ([x], _attrs, ops) => [ops.mul(x!, x!)],
});
defineGrad(TestSquare, ([dy], { inputs: [x] }) => [mul(mul(dy!, x!), 2)]);
const TestSquareWrongGrad = defineKernel({
  name: 'TestSquareWrongGrad',
  inputs: ['x'],
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  decompose: ([x], _attrs, ops) => [ops.mul(x!, x!)],
});
defineGrad(TestSquareWrongGrad, ([dy], { inputs: [x] }) => [mul(dy!, x!)]);

describe('gradCheck', () => {
  const x = (): Tensor => randn([3, 4], { seed: 7, dtype: 'float64' });

  it('accepts a correct rule', async () => {
    const input = x();
    const result = await expectGradClose((t) => runKernel(TestSquare, [t], {})[0]!, [input]);
    expect(result.checked).toBe(12);
    expect(result.maxError).toBeLessThan(1e-8);
    input.dispose();
  });

  it('catches a rule missing a factor of 2', async () => {
    const input = x();
    const result = await gradCheck((t) => runKernel(TestSquareWrongGrad, [t], {})[0]!, [input]);
    input.dispose();
    expect(result.maxError, describeGradCheck(result)).toBeGreaterThan(0.1);
    const w = result.worst!;
    expect(w.input).toBe(0);
    expect(w.analytic * 2).toBeCloseTo(w.numeric, 6);
    await expect(expectGradClose((t) => runKernel(TestSquareWrongGrad, [t], {})[0]!, [x()])).rejects.toThrow(/gradient check: max error/);
  });

  it('weights every output element (a rule wrong in one element is caught)', async () => {
    // sum(y) alone would hide an error that cancels across elements; the random upstream does not.
    const input = randn([4], { seed: 3, dtype: 'float64' });
    const result = await gradCheck((t) => sum(mul(t, t), 0, true), [input]);
    expect(result.maxError).toBeLessThan(1e-8);
    input.dispose();
  });

  it('casts float32 inputs to float64 and skips integer inputs', async () => {
    const a = randn([2, 3], { seed: 1 });
    const result = await gradCheck((t) => mul(t, t), [a]);
    expect(result.checked).toBe(6);
    expect(result.maxError).toBeLessThan(1e-8);
    a.dispose();
  });
});
