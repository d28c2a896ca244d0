/**
 * Parity with the shared MPT fixtures A (MHA), B (3 heads, clip_qkv, qk_ln, logit_scale) and
 * C (GQA): logits, loss, every parameter gradient, greedy decoding ids and the step logits of
 * cached decoding, within the fixture tolerances.
 */
import { describe, expect, it } from 'vitest';
import { MPTForCausalLM, alibiSlopes } from '../src/index.js';
import { fixtureDir, maxAbs, maxAbsDiff, NAMES, readFixture, readTensors } from './fixtures.js';

const report: Record<string, Record<string, number>> = {};

describe.each(NAMES)('fixture %s', (name) => {
  const fixture = readFixture(name);
  const load = () => MPTForCausalLM.fromPretrained(fixtureDir(name));
  report[name] = {};

  it('ALiBi slopes', () => {
    expect(alibiSlopes(fixture.model.n_heads)).toEqual(fixture.alibi_slopes);
  });

  it('logits and loss', async () => {
    const model = await load();
    expect(model.parameterNames().sort()).toEqual(fixture.parameters.map((p) => p.name).sort());
    const { logits } = model.forward(fixture.input_ids);
    expect(logits.shape).toEqual(fixture.logits.shape);
    const logitsError = maxAbsDiff(await logits.data(), fixture.logits.data);
    const loss = await model.loss(fixture.input_ids).item();
    report[name]!['logits'] = logitsError;
    report[name]!['loss'] = Math.abs(loss - fixture.loss);
    expect(logitsError).toBeLessThanOrEqual(fixture.tolerances.logits_abs);
    expect(Math.abs(loss - fixture.loss)).toBeLessThanOrEqual(fixture.tolerances.loss_abs);
    model.dispose();
  });

  it('every parameter gradient', async () => {
    const model = await load();
    const expected = readTensors(name, 'grads.safetensors');
    const { loss, grads } = model.valueAndGrad(fixture.input_ids);
    expect(Math.abs((await loss.item()) - fixture.loss)).toBeLessThanOrEqual(fixture.tolerances.loss_abs);
    expect(Object.keys(grads).sort()).toEqual([...expected.keys()].sort());
    let worst = 0;
    for (const [param, want] of expected) {
      const got = await grads[param]!.data();
      const relative = maxAbsDiff(got, want.data) / maxAbs(want.data);
      worst = Math.max(worst, relative);
      expect(relative, param).toBeLessThanOrEqual(fixture.tolerances.grads_rel_to_tensor_max_abs);
    }
    report[name]!['grads (relative)'] = worst;
    model.dispose();
  });

  it('greedy decoding with the KV cache: ids and step logits', async () => {
    const model = await load();
    const { prompt_ids: prompts, max_new_tokens: maxNewTokens, generated_ids: ids, step_logits: stepLogits } = fixture.generation;
    const V = fixture.model.vocab_size;
    const B = prompts.length;
    const got: number[][] = prompts.map(() => []);
    let worst = 0;
    for await (const step of model.stream(prompts, { maxNewTokens, includeLogits: true })) {
      step.tokens.forEach((t, b) => got[b]!.push(t!));
      step.logits!.forEach((row, b) => {
        const offset = (step.step * B + b) * V;
        worst = Math.max(worst, maxAbsDiff(row, stepLogits.data.slice(offset, offset + V)));
      });
    }
    expect(got).toEqual(ids);
    report[name]!['step logits'] = worst;
    expect(worst).toBeLessThanOrEqual(fixture.tolerances.step_logits_abs);
    expect(await model.generate(prompts, { maxNewTokens, temperature: 0 })).toEqual(ids);
    model.dispose();
  });
});

describe('parity report', () => {
  it('prints the maximum errors', () => {
    console.log(JSON.stringify(report, null, 2));
  });
});
