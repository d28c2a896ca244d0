/**
 * Throughput and model FLOP utilisation (Composer's `SpeedMonitor`). At every batch end it
 * records (samples, tokens, training seconds, FLOPs) and logs over the last `windowSize` batches:
 *
 *   throughput/batchesPerSec, throughput/samplesPerSec, throughput/tokensPerSec,
 *   throughput/flopsPerSec, throughput/mfu = flopsPerSec / peakFlopsPerSec
 *
 * FLOPs come from `flopsPerToken` (see {@link transformerFlopsPerToken}: 6N plus the attention
 * term, forward + backward). Unlike Composer, which waits for a full window, it logs from the
 * first batch on over the batches it has. Times are the trainer's per-batch wall clock
 * (`Timestamp.totalWct`: forward, backward and optimizer step, not evaluation or checkpoints).
 */
import type { Callback } from '../events.js';

/**
 * Training FLOPs per token of a decoder-only transformer, forward and backward (3× forward):
 * 6·N + 12·L·d·T, N = parameters, L = layers, d = model width, T = sequence length. This is
 * llm-foundry's MPT `flops_per_batch` divided by the tokens of a batch.
 *
 * @example
 * ```ts
 * transformerFlopsPerToken({ parameters: 6.7e9, nLayers: 32, dModel: 4096, seqLen: 2048 }); // ≈ 4.3e10
 * ```
 */
export function transformerFlopsPerToken(model: { parameters: number; nLayers: number; dModel: number; seqLen: number }): number {
  return 6 * model.parameters + 12 * model.nLayers * model.dModel * model.seqLen;
}

/** Dense peak FLOP/s of common accelerators (Composer's table), for `peakFlopsPerSec`. */
export const PEAK_FLOPS = { 'a100-bf16': 312e12, 'h100-sxm-bf16': 989.5e12, 'h100-pcie-bf16': 756.5e12, 'a10-bf16': 125e12, 'v100-fp16': 125e12 } as const;

/**
 * Options of {@link speedMonitor}.
 *
 * @example
 * ```ts
 * const options: SpeedMonitorOptions = { windowSize: 20, flopsPerToken: 6 * 1e6, peakFlopsPerSec: 100e9 };
 * ```
 */
export interface SpeedMonitorOptions {
  /** Batches averaged over. Default 100. */
  readonly windowSize?: number;
  /** Training FLOPs per token; enables flopsPerSec (and mfu with peakFlopsPerSec). */
  readonly flopsPerToken?: number;
  /** The device's peak FLOP/s. */
  readonly peakFlopsPerSec?: number;
}

/**
 * Logs throughput and MFU.
 *
 * @example
 * ```ts
 * speedMonitor({ flopsPerToken: transformerFlopsPerToken({ parameters: n, nLayers: 2, dModel: 64, seqLen: 64 }), peakFlopsPerSec: 50e9 });
 * ```
 */
export function speedMonitor(options: SpeedMonitorOptions = {}): Callback {
  const windowSize = options.windowSize ?? 100;
  let window: { batch: number; sample: number; token: number; seconds: number }[] = [];
  return {
    name: 'speed-monitor',
    events: {
      'fit-start': () => {
        window = [];
      },
      'batch-end': (state, logger) => {
        const t = state.timestamp;
        if (window.length === 0) window.push({ batch: t.batch - 1, sample: state.previousTimestamp.sample, token: state.previousTimestamp.token, seconds: t.totalWct - t.batchWct });
        window.push({ batch: t.batch, sample: t.sample, token: t.token, seconds: t.totalWct });
        if (window.length > windowSize + 1) window.shift();
        const first = window[0]!;
        const last = window[window.length - 1]!;
        const dt = last.seconds - first.seconds;
        if (!(dt > 0)) return;
        const tokensPerSec = (last.token - first.token) / dt;
        const metrics: Record<string, number> = {
          'throughput/batchesPerSec': (last.batch - first.batch) / dt,
          'throughput/samplesPerSec': (last.sample - first.sample) / dt,
          'throughput/tokensPerSec': tokensPerSec,
        };
        if (options.flopsPerToken !== undefined) {
          metrics['throughput/flopsPerSec'] = tokensPerSec * options.flopsPerToken;
          if (options.peakFlopsPerSec) metrics['throughput/mfu'] = metrics['throughput/flopsPerSec']! / options.peakFlopsPerSec;
        }
        logger.logMetrics(metrics);
      },
    },
  };
}
