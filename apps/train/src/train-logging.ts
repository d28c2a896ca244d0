/**
 * The trainer's console output for `--log-format json`: one JSON object per logged batch,
 * evaluation, checkpoint and the end of training (the text mode uses the trainer's own
 * `ConsoleLogger`, which draws the progress bar).
 */
import { elapsedFraction, formatTime, type Callback, type TrainerState } from '@tessera/trainer';
import type { Reporter } from './report.js';

/**
 * A trainer logger that writes JSON lines through the reporter.
 *
 * @example
 * ```ts
 * new Trainer({ ..., loggers: [jsonTrainLogger(reporter, 10)] });
 * ```
 */
export function jsonTrainLogger(reporter: Reporter, interval: number): Callback {
  let metrics: Record<string, number> = {};
  let start = { time: 0, fraction: 0 };
  const etaSeconds = (state: TrainerState): number | undefined => {
    const fraction = elapsedFraction(state.timestamp, state.maxDuration);
    const seconds = (performance.now() - start.time) / 1000;
    return fraction > start.fraction ? Math.round(((1 - fraction) * seconds) / (fraction - start.fraction)) : undefined;
  };
  return {
    name: 'json-console',
    events: {
      'fit-start': (state) => {
        start = { time: performance.now(), fraction: elapsedFraction(state.timestamp, state.maxDuration) };
      },
      'batch-end': (state) => {
        const t = state.timestamp;
        const done = elapsedFraction(t, state.maxDuration) >= 1;
        if (t.batch % interval === 0 || done) {
          reporter.info('batch', `batch ${t.batch}`, {
            batch: t.batch, epoch: t.epoch, token: t.token, maxDuration: formatTime(state.maxDuration), loss: metrics.loss ?? state.loss, lr: state.lr,
            gradNorm: state.gradNorm, tokensPerSec: metrics['throughput/tokensPerSec'], mfu: metrics['throughput/mfu'], etaSeconds: etaSeconds(state),
          });
        }
        metrics = {};
      },
      'eval-end': (state) => reporter.info('eval', `eval at batch ${state.timestamp.batch}`, { batch: state.timestamp.batch, loss: state.evalLoss, perplexity: state.evalPerplexity }),
      'checkpoint-end': (state) => reporter.info('checkpoint', `checkpoint ${state.lastCheckpoint}`, { batch: state.timestamp.batch, path: state.lastCheckpoint }),
    },
    logMetrics(values) {
      Object.assign(metrics, values);
    },
  };
}
