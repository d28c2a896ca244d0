/**
 * When an interval (`evalInterval`, `saveInterval`) fires: Composer's
 * `create_interval_scheduler`.
 *
 *   ep            at epoch ends, every v epochs
 *   ba, sp, tok   at batch ends, when ⌊previous/v⌋ ≠ ⌊current/v⌋ (the batch that crosses a multiple)
 *   dur           at batch ends: maxDuration in ba → every ⌈max·v⌉ batches; in ep → every
 *                 ⌈maxEp·v·batchesPerEpoch⌉ batches; in sp/tok → crossing multiples of ⌈max·v⌉
 *
 * A zero interval never fires. The end of training is handled by the trainer (a final
 * evaluation and checkpoint unless one already happened at that batch).
 */
import { TrainerConfigError } from './errors.js';
import type { Time, Timestamp } from './time.js';

/**
 * Whether `interval` fires at this batch end or epoch end.
 *
 * @example
 * ```ts
 * intervalFires({ value: 500, unit: 'ba' }, 'batch', { timestamp, previousTimestamp, maxDuration }); // at 500, 1000, ...
 * ```
 */
export function intervalFires(interval: Time, event: 'batch' | 'epoch',
  context: { timestamp: Timestamp; previousTimestamp: Timestamp; maxDuration: Time; batchesPerEpoch?: number | undefined }): boolean {
  const { timestamp, previousTimestamp, maxDuration } = context;
  if (interval.value <= 0) return false;
  const crossed = (v: number, unit: 'ba' | 'sp' | 'tok'): boolean => Math.floor(previousTimestamp.get(unit) / v) !== Math.floor(timestamp.get(unit) / v);
  switch (interval.unit) {
    case 'ep':
      return event === 'epoch' && timestamp.epoch % interval.value === 0;
    case 'ba':
    case 'sp':
    case 'tok':
      return event === 'batch' && crossed(interval.value, interval.unit);
    case 'dur': {
      if (event !== 'batch') return false;
      if (maxDuration.unit === 'dur') throw new TrainerConfigError('maxDuration', "maxDuration cannot be in 'dur'");
      if (maxDuration.unit === 'ep') {
        if (context.batchesPerEpoch === undefined) {
          throw new TrainerConfigError('interval', `'${interval.value}dur' with maxDuration in epochs needs the batches per epoch`, 'give the training data a `length`, or use ba/ep units');
        }
        return timestamp.batch % Math.ceil(maxDuration.value * interval.value * context.batchesPerEpoch) === 0;
      }
      const every = Math.ceil(maxDuration.value * interval.value);
      return maxDuration.unit === 'ba' ? timestamp.batch % every === 0 : crossed(every, maxDuration.unit);
    }
  }
}
