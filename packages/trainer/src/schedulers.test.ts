import { describe, expect, it } from 'vitest';
import {
  constantScheduler, constantWithWarmupScheduler, cosineAnnealingScheduler, cosineWithWarmupScheduler, linearScheduler, linearWithWarmupScheduler, scheduledLr,
  type Scheduler,
} from './schedulers.js';
import { parseTime, Timestamp } from './time.js';

const alphaAt = (s: Scheduler, batch: number, maxDuration = '100ba', batchesPerEpoch?: number) =>
  s.alpha({ timestamp: new Timestamp({ batch, token: batch * 10 }), maxDuration: parseTime(maxDuration), batchesPerEpoch });

describe('schedulers', () => {
  it('constant and linear', () => {
    expect(alphaAt(constantScheduler(), 50)).toBe(1);
    expect(alphaAt(constantScheduler({ alpha: 0.5, tMax: '10ba' }), 5)).toBe(0.5);
    expect(alphaAt(constantScheduler({ alpha: 0.5, tMax: '10ba' }), 10)).toBe(1);
    expect(alphaAt(linearScheduler({ alphaF: 0.2 }), 50)).toBeCloseTo(0.6, 12);
    expect(alphaAt(linearScheduler({ alphaF: 0.2 }), 150)).toBeCloseTo(0.2, 12);
  });

  it('linear with warmup (llm-foundry linear_decay_with_warmup)', () => {
    const s = linearWithWarmupScheduler({ tWarmup: '10ba', alphaF: 0 });
    expect([0, 5, 10, 55, 100].map((b) => alphaAt(s, b))).toEqual([0, 0.5, 1, 0.5, 0]);
    expect(alphaAt(constantWithWarmupScheduler({ tWarmup: '4ba' }), 2)).toBe(0.5);
  });

  it('cosine with warmup and alphaF (MPT pretraining)', () => {
    const s = cosineWithWarmupScheduler({ tWarmup: '10ba', alphaF: 0.1 });
    expect(alphaAt(s, 5)).toBe(0.5);
    expect(alphaAt(s, 10)).toBe(1);
    expect(alphaAt(s, 55)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(alphaAt(s, 100)).toBeCloseTo(0.1, 12);
    expect(alphaAt(s, 200)).toBeCloseTo(0.1, 12); // clipped at tMax
    expect(alphaAt(cosineAnnealingScheduler(), 50)).toBeCloseTo(0.5, 12);
  });

  it('resolves dur, ep and tok; mismatched units fail', () => {
    expect(alphaAt(cosineWithWarmupScheduler({ tWarmup: '0.1dur' }), 5)).toBe(0.5); // 10ba of 100ba
    expect(alphaAt(linearWithWarmupScheduler({ tWarmup: '1ep' }), 5, '4ep', 10)).toBe(0.5); // 1ep = 10ba
    expect(alphaAt(linearWithWarmupScheduler({ tWarmup: '100tok' }), 5, '1000tok')).toBe(0.5); // 50 of 100 tokens
    expect(() => alphaAt(linearWithWarmupScheduler({ tWarmup: '10ba' }), 5, '1000tok')).toThrow(/one unit/);
    expect(() => cosineWithWarmupScheduler({ tWarmup: '10 batches' })).toThrow(/cannot parse/);
  });

  it("Composer's one-step lag: step k uses alpha(max(k - 1, 0))", () => {
    // The trainer evaluates at previousTimestamp: step 0 and step 1 both see batch 0.
    const s = linearWithWarmupScheduler({ tWarmup: '4ba' });
    const previous = [0, 0, 1, 2, 3, 4];
    const lrs = previous.map((b) => scheduledLr(s, 1e-3, { timestamp: new Timestamp({ batch: b }), maxDuration: parseTime('100ba') }));
    expect(lrs.map((x) => x / 1e-3)).toEqual([0, 0, 0.25, 0.5, 0.75, 1]);
    expect(scheduledLr(undefined, 1e-3, { timestamp: new Timestamp(), maxDuration: parseTime('1ba') })).toBe(1e-3);
  });
});
