/**
 * Loggers: console output in a terminal (a progress bar redrawn in place) and elsewhere (plain
 * lines), metrics.jsonl, the HTML report, and the speed monitor's throughput and MFU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConsoleLogger, DecoupledAdamW, formatDuration, lossReport, MetricsFileLogger, renderLossReport, speedMonitor, tokenBatchSpec, Trainer, transformerFlopsPerToken,
  type Callback,
} from '../src/index.js';
import { markovTokens, temporaryFolder, tokenBatches, TinyLm } from './helpers.js';

const data = tokenBatches(markovTokens(2000), { batchSize: 4, seqLen: 8, count: 4 });

function stream(isTTY: boolean) {
  const out = { text: '', isTTY, columns: 120, write(t: string) { out.text += t; } };
  return out;
}

describe('loggers', () => {
  it('console: plain lines when not a terminal, a progress bar with loss, tokens/s and ETA in one', async () => {
    const plain = stream(false);
    const tty = stream(true);
    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW(),
      evalData: data.slice(0, 1), evalInterval: '2ba', loggers: [new ConsoleLogger({ stream: plain, interval: 2 })] }).fit();
    const lines = plain.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[epoch=0\]\[ba=2\/4ba\] loss: \d\.\d{4} lr: 0\.001000 tokens\/s: \d+ eta: \d+s$/);
    expect(lines[1]).toMatch(/^\[eval\]\[ba=2\] loss: \d\.\d{4} perplexity: \d+\.\d{3}$/);
    expect(lines.at(-1)).toBe('[fit] done at 4ba, 128 tokens');
    expect(lines).toHaveLength(5);

    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW(),
      loggers: [new ConsoleLogger({ stream: tty })] }).fit();
    const frames = tty.text.split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toMatch(/^\[█████░{15}\] 1\/4ba {2}loss \d\.\d{4} {2}[\d,]+ tok\/s {2}ETA \d+s$/);
    expect(frames[3]).toMatch(/^\[█{20}\] 4\/4ba/);
    expect(frames.at(-1)).toMatch(/\n\[fit\] done at 4ba, 128 tokens\n$/);
    expect(formatDuration(3723)).toBe('1h02m03s');
    expect(formatDuration(65)).toBe('1m05s');
  });

  it('metrics.jsonl: one whole line per batch with batch, loss, lr and the evaluation of that batch; report.html', async () => {
    const folder = temporaryFolder();
    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW(), saveFolder: folder,
      evalData: data.slice(0, 2), evalInterval: '2ba', loggers: [new MetricsFileLogger(), lossReport({ title: 'tiny <run>' })] }).fit();
    const rows = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.map((r) => r.batch)).toEqual([1, 2, 3, 4]);
    expect(rows[0]).toMatchObject({ batch: 1, epoch: 0, sample: 4, token: 32, lr: 0.001 });
    expect(Object.keys(rows[1]!)).toEqual(['batch', 'epoch', 'sample', 'token', 'loss', 'lr', 'gradNorm', 'eval/loss', 'eval/perplexity']);
    expect(rows[2]!['eval/loss']).toBeUndefined();
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(html).toContain('<title>tiny &lt;run&gt;: loss</title>');
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(renderLossReport('x', [])).toContain('<polyline');
  });

  it('speed monitor: tokens/s, samples/s and MFU from FLOPs per token and a peak', async () => {
    const seen: Record<string, number>[] = [];
    const sink: Callback = { name: 'sink', logMetrics: (m) => { if ('throughput/tokensPerSec' in m) seen.push({ ...m }); } };
    const flopsPerToken = transformerFlopsPerToken({ parameters: 256, nLayers: 0, dModel: 8, seqLen: 8 });
    expect(flopsPerToken).toBe(6 * 256);
    expect(transformerFlopsPerToken({ parameters: 1000, nLayers: 2, dModel: 16, seqLen: 32 })).toBe(6000 + 12 * 2 * 16 * 32);
    await new Trainer({ model: new TinyLm(), trainData: data, batchSpec: tokenBatchSpec, maxDuration: '4ba', optimizer: new DecoupledAdamW(),
      callbacks: [speedMonitor({ windowSize: 2, flopsPerToken, peakFlopsPerSec: 1e9 })], loggers: [sink] }).fit();
    expect(seen).toHaveLength(4);
    for (const m of seen) {
      expect(m['throughput/tokensPerSec']).toBeGreaterThan(0);
      expect(m['throughput/samplesPerSec']! * 8).toBeCloseTo(m['throughput/tokensPerSec']!, 6);
      expect(m['throughput/mfu']).toBeCloseTo((m['throughput/tokensPerSec']! * flopsPerToken) / 1e9, 12);
    }
  });
});
