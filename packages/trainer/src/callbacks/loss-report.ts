/**
 * `report.html` next to the checkpoints: the training loss curve (and evaluation loss points)
 * as an inline SVG, with a summary table. Self-contained (no scripts, no network), rewritten
 * atomically after every checkpoint and at the end of training. On a resumed run the history
 * comes from `metrics.jsonl`, so the curve covers all resumptions.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoint/files.js';
import type { Callback, TrainerState } from '../events.js';
import { readMetrics } from './metrics-file.js';

interface Point { batch: number; loss?: number; evalLoss?: number; tokens?: number }

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * The report's HTML for a loss history.
 *
 * @example
 * ```ts
 * const html = renderLossReport('tiny', [{ batch: 1, loss: 5.5 }, { batch: 2, loss: 5.1, evalLoss: 5.2 }]);
 * ```
 */
export function renderLossReport(title: string, points: readonly { batch: number; loss?: number; evalLoss?: number; tokens?: number }[]): string {
  const [W, H, pad] = [720, 360, 48];
  const train = points.filter((p) => Number.isFinite(p.loss));
  const evals = points.filter((p) => Number.isFinite(p.evalLoss));
  const values = [...train.map((p) => p.loss!), ...evals.map((p) => p.evalLoss!)];
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const maxBatch = Math.max(1, ...points.map((p) => p.batch));
  const x = (b: number): number => pad + ((W - 2 * pad) * b) / maxBatch;
  const y = (v: number): number => H - pad - ((H - 2 * pad) * (v - lo)) / (hi - lo || 1);
  const polyline = train.map((p) => `${x(p.batch).toFixed(1)},${y(p.loss!).toFixed(1)}`).join(' ');
  const dots = evals.map((p) => `<circle cx="${x(p.batch).toFixed(1)}" cy="${y(p.evalLoss!).toFixed(1)}" r="3.5" fill="#d62728"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = lo + f * (hi - lo);
    return `<text x="${pad - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text><line x1="${pad}" x2="${W - pad}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
  }).join('');
  const last = train[train.length - 1];
  const bestEval = evals.length ? Math.min(...evals.map((p) => p.evalLoss!)) : undefined;
  const rows = [['batches', String(last?.batch ?? 0)], ['last train loss', last?.loss?.toFixed(4) ?? '-'],
    ['best eval loss', bestEval?.toFixed(4) ?? '-'], ['best eval perplexity', bestEval === undefined ? '-' : Math.exp(bestEval).toFixed(3)]];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}: loss</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}svg text{font-size:11px;fill:#444}td{padding:2px 12px}</style></head>
<body><h1>${escape(title)}</h1>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="loss curve">
${ticks}<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#888"/>
<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${polyline}"/>${dots}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle">batch (0 to ${maxBatch})</text>
<text x="${W - pad}" y="${pad - 16}" text-anchor="end"><tspan fill="#1f77b4">— train loss</tspan>  <tspan fill="#d62728">● eval loss</tspan></text>
</svg>
<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>
</body></html>
`;
}

/**
 * Writes `report.html` into the save folder (or `path`).
 *
 * @example
 * ```ts
 * new Trainer({ ..., saveFolder: 'runs/a', loggers: [new MetricsFileLogger(), lossReport()] });
 * ```
 */
export function lossReport(options: { path?: string; title?: string } = {}): Callback {
  let points = new Map<number, Point>();
  let path = options.path;
  const write = async (state: TrainerState): Promise<void> => {
    if (path) await writeFileAtomic(path, renderLossReport(options.title ?? state.runName, [...points.values()].sort((a, b) => a.batch - b.batch)));
  };
  return {
    name: 'loss-report',
    events: {
      async 'fit-start'(state) {
        path ??= state.saveFolder ? join(state.saveFolder, 'report.html') : undefined;
        points = new Map();
        if (!state.saveFolder) return;
        for (const row of await readMetrics(join(state.saveFolder, 'metrics.jsonl'))) {
          if (row.batch! <= state.timestamp.batch) points.set(row.batch!, { batch: row.batch!, loss: row.loss, evalLoss: row['eval/loss'], tokens: row.token });
        }
      },
      'checkpoint-end': write,
      'fit-end': write,
    },
    logMetrics(metrics, state) {
      const batch = state.timestamp.batch;
      const point = points.get(batch) ?? { batch };
      if (metrics.loss !== undefined) point.loss = metrics.loss;
      if (metrics['eval/loss'] !== undefined) point.evalLoss = metrics['eval/loss'];
      point.tokens = state.timestamp.token;
      points.set(batch, point);
    },
  };
}
