/**
 * Deterministic release: a loop of 1,000 training-like steps (forward, loss, gradients, SGD
 * update) leaves the live tensor and buffer counts where they started.
 */
import { describe, expect, it } from 'vitest';
import {
  crossEntropy, dispose, embedding, gelu, keep, layerNorm, matmul, memory, ones, randn, reshape, scope, sub, mul,
  softmax, tensor, transpose, valueAndGrad, type Tensor,
} from '@tessera/tensor';

describe('memory', () => {
  it('1,000 training-like steps do not grow the live-buffer count', () => {
    const V = 16;
    const C = 8;
    let params: Tensor[] = [randn([V, C], { seed: 1, std: 0.1 }), randn([C, C], { seed: 2, std: 0.3 }), ones([C])];
    const ids = tensor([1, 5, 7, 3, 2, 9], [2, 3], 'int32');
    const targets = tensor([5, 7, 3, 2, 9, 1], [2, 3], 'int32');
    const loss = (wte: Tensor, w: Tensor, g: Tensor): Tensor => {
      const x = embedding(wte, ids);
      const h = gelu(matmul(layerNorm(x, g), w));
      const att = softmax(matmul(h, transpose(h)), -1);
      const logits = matmul(matmul(att, h), transpose(wte));
      return crossEntropy(reshape(logits, [-1, V]), reshape(targets, [-1]));
    };
    const step = (): number => {
      const next = scope(() => {
        const { value, grads } = valueAndGrad(loss)(params[0]!, params[1]!, params[2]!);
        value.dispose();
        return params.map((p, i) => keep(sub(p, mul(grads[i]!, 0.1))));
      });
      dispose(params);
      params = next;
      return memory().liveBuffers;
    };
    step();
    const before = memory();
    let first = 0;
    for (let i = 0; i < 1000; i++) {
      const live = step();
      if (i === 0) first = live;
      expect(live).toBe(first);
    }
    const after = memory();
    expect(after.liveBuffers).toBe(before.liveBuffers);
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
  });

  it('scope disposes intermediates and keeps what it returns', () => {
    const start = memory().liveTensors;
    const kept = scope(() => {
      const a = randn([4, 4], { seed: 3 });
      const b = matmul(a, a);
      return { b, nested: [softmax(b)] };
    });
    expect(memory().liveTensors).toBe(start + 2);
    expect(kept.b.isDisposed).toBe(false);
    dispose([kept.b, ...kept.nested]);
    expect(memory().liveTensors).toBe(start);
  });

  it('a view keeps storage alive until the last view is disposed', async () => {
    const base = memory().liveBuffers;
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const t = transpose(a);
    expect(memory().liveBuffers).toBe(base + 1);
    a.dispose();
    expect(Array.from(await t.data())).toEqual([1, 4, 2, 5, 3, 6]);
    t.dispose();
    expect(memory().liveBuffers).toBe(base);
  });
});
