import { describe, expect, it } from 'vitest';
import { TrainerConfigError } from './errors.js';
import { intervalFires } from './interval.js';
import { elapsedFraction, formatTime, parseTime, resolveTime, Timestamp } from './time.js';

describe('time', () => {
  it('parses Composer time strings', () => {
    expect(parseTime('1ep')).toEqual({ value: 1, unit: 'ep' });
    expect(parseTime('200ba')).toEqual({ value: 200, unit: 'ba' });
    expect(parseTime('50000tok')).toEqual({ value: 50000, unit: 'tok' });
    expect(parseTime('3e4TOK')).toEqual({ value: 30000, unit: 'tok' });
    expect(parseTime('0.1dur')).toEqual({ value: 0.1, unit: 'dur' });
    expect(parseTime('128sp')).toEqual({ value: 128, unit: 'sp' });
    expect(parseTime(3)).toEqual({ value: 3, unit: 'ep' });
    expect(formatTime(parseTime(' 12 ba '))).toBe('12ba');
  });

  it('rejects malformed times with a hint', () => {
    expect(() => parseTime('1.5ba')).toThrow(/whole number of ba/);
    expect(() => parseTime('10 steps')).toThrow(TrainerConfigError);
    expect(() => parseTime('-1ep')).toThrow(/non-negative/);
    expect(() => parseTime('xba', 'maxDuration')).toThrow(/maxDuration/);
  });

  it('a timestamp advances per batch and per epoch', () => {
    let t = new Timestamp();
    t = t.afterBatch({ samples: 4, tokens: 64, seconds: 0.5 }).afterBatch({ samples: 2, tokens: 32, seconds: 0.25 });
    expect(t.toJSON()).toMatchObject({ batch: 2, batchInEpoch: 2, sample: 6, token: 96, tokenInEpoch: 96, totalWct: 0.75, batchWct: 0.25 });
    t = t.afterEpoch();
    expect(t.toJSON()).toMatchObject({ epoch: 1, batch: 2, batchInEpoch: 0, sampleInEpoch: 0, tokenInEpoch: 0, token: 96, epochWct: 0 });
    expect([t.get('ep'), t.get('ba'), t.get('sp'), t.get('tok')]).toEqual([1, 2, 6, 96]);
    expect(new Timestamp(JSON.parse(JSON.stringify(t)) as object)).toEqual(t);
  });

  it('resolves dur and ep against maxDuration', () => {
    expect(resolveTime('0.1dur', { maxDuration: '1000ba' })).toEqual({ value: 100, unit: 'ba' });
    expect(resolveTime('0.25dur', { maxDuration: '4000tok' })).toEqual({ value: 1000, unit: 'tok' });
    expect(resolveTime('0.5dur', { maxDuration: '4ep', batchesPerEpoch: 10, toBatches: true })).toEqual({ value: 20, unit: 'ba' });
    expect(resolveTime('2ep', { maxDuration: '4ep', batchesPerEpoch: 10, toBatches: true })).toEqual({ value: 20, unit: 'ba' });
    expect(() => resolveTime('2ep', { maxDuration: '4ep', toBatches: true })).toThrow(/batches per epoch/);
    expect(elapsedFraction(new Timestamp({ batch: 50 }), '200ba')).toBe(0.25);
  });
});

describe('intervals', () => {
  const at = (prev: Partial<Timestamp>, cur: Partial<Timestamp>) => ({ previousTimestamp: new Timestamp(prev), timestamp: new Timestamp(cur) });
  const fires = (interval: string, event: 'batch' | 'epoch', prev: Partial<Timestamp>, cur: Partial<Timestamp>, maxDuration = '100ba', batchesPerEpoch?: number) =>
    intervalFires(parseTime(interval), event, { ...at(prev, cur), maxDuration: parseTime(maxDuration), batchesPerEpoch });

  it('ba/sp/tok fire on the batch that crosses a multiple', () => {
    expect(fires('5ba', 'batch', { batch: 4 }, { batch: 5 })).toBe(true);
    expect(fires('5ba', 'batch', { batch: 5 }, { batch: 6 })).toBe(false);
    expect(fires('5ba', 'epoch', { batch: 4 }, { batch: 5 })).toBe(false);
    expect(fires('1000sp', 'batch', { sample: 960 }, { sample: 1024 })).toBe(true);
    expect(fires('1000sp', 'batch', { sample: 1024 }, { sample: 1088 })).toBe(false);
    expect(fires('0ba', 'batch', { batch: 4 }, { batch: 5 })).toBe(false);
  });

  it('ep fires at epoch ends; dur resolves against maxDuration', () => {
    expect(fires('2ep', 'epoch', {}, { epoch: 2 })).toBe(true);
    expect(fires('2ep', 'epoch', {}, { epoch: 3 })).toBe(false);
    expect(fires('0.1dur', 'batch', { batch: 9 }, { batch: 10 }, '100ba')).toBe(true);
    expect(fires('0.1dur', 'batch', { batch: 10 }, { batch: 11 }, '100ba')).toBe(false);
    expect(fires('0.5dur', 'batch', { batch: 9 }, { batch: 10 }, '2ep', 10)).toBe(true);
    expect(fires('0.25dur', 'batch', { token: 900 }, { token: 1100 }, '4000tok')).toBe(true);
  });
});
