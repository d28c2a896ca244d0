/**
 * `pretrain` and `finetune`: prepare what is missing (tokenizer, shards), build the model (fresh
 * from `model`, or from `model.pretrained_model_name_or_path`), wire the data loaders, optimizer,
 * schedule and callbacks into `@tessera/trainer`'s `Trainer`, train, then report the held-out
 * loss against the unigram baseline and throughput (tokens/s, FLOP/s, MFU). The save folder gets
 * the checkpoints (each a Hugging Face folder), `metrics.jsonl`, `report.html` (the loss curve),
 * `config.yaml` (the resolved config) and `summary.json`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MPTForCausalLM, parameterCount, type MPTConfig } from '@tessera/model';
import { TokenBatchLoader } from '@tessera/data-streaming';
import type { Tokenizer } from '@tessera/tokenizer';
import {
  AdamW, ConsoleLogger, constantScheduler, constantWithWarmupScheduler, cosineAnnealingScheduler, cosineWithWarmupScheduler, DecoupledAdamW,
  DecoupledLionW, gradientClipping, linearWithWarmupScheduler, lossReport, MetricsFileLogger, parseTime, speedMonitor, tokenBatchSpec, Trainer,
  transformerFlopsPerToken, type Callback, type Optimizer, type Scheduler, type TokenBatch, type TrainData,
} from '@tessera/trainer';
import { stringify } from 'yaml';
import { estimatePeakFlops, selectBackend } from '../backend.js';
import { countTokens, unigramLoss } from '../baseline.js';
import { resolveModelConfig, type LoadedConfig } from '../config/load.js';
import type { LoaderConfig, OptimizerConfig, RunConfig, SchedulerConfig } from '../config/run-config.js';
import { FinetuneBatches, readFinetuneExamples, resolveFormat } from '../data/finetune.js';
import { ConfigError } from '../errors.js';
import { mptTrainable } from '../model-adapter.js';
import type { Reporter } from '../report.js';
import { jsonTrainLogger } from '../train-logging.js';
import { datasetFolder, ensureShards } from './convert.js';
import { ensureTokenizer, eosOf } from './tokenizer.js';

/** What a training run reports (also written to `summary.json`). */
export interface TrainSummary {
  readonly batches: number;
  readonly tokens: number;
  readonly seconds: number;
  readonly tokensPerSec: number;
  readonly stopped: boolean;
  readonly checkpoint: string | undefined;
  readonly evalLoss: number | undefined;
  readonly unigramLoss: number | undefined;
  readonly parameters: number;
  readonly backend: string;
  readonly flopsPerSec: number | undefined;
  readonly mfu: number | undefined;
}

function optimizerOf(o: OptimizerConfig): Optimizer {
  const betas = o.betas === undefined ? {} : { betas: o.betas };
  if (o.name === 'decoupled_lionw') return new DecoupledLionW({ lr: o.lr, weightDecay: o.weightDecay, ...betas });
  const rest = { lr: o.lr, ...betas, ...(o.eps === undefined ? {} : { eps: o.eps }), ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }) };
  return o.name === 'decoupled_adamw' ? new DecoupledAdamW(rest) : new AdamW(rest);
}

function schedulerOf(s: SchedulerConfig | undefined): Scheduler | undefined {
  if (!s) return undefined;
  const tMax = s.tMax === undefined ? {} : { tMax: s.tMax };
  switch (s.name) {
    case 'cosine_with_warmup': return cosineWithWarmupScheduler({ tWarmup: s.tWarmup, alphaF: s.alphaF, ...tMax });
    case 'linear_decay_with_warmup': return linearWithWarmupScheduler({ tWarmup: s.tWarmup, alphaF: s.alphaF, ...tMax });
    case 'constant_with_warmup': return constantWithWarmupScheduler({ tWarmup: s.tWarmup, alpha: s.alpha, ...tMax });
    case 'cosine_annealing': return cosineAnnealingScheduler({ alphaF: s.alphaF, ...tMax });
    case 'constant': return constantScheduler({ alpha: s.alpha, ...tMax });
  }
}

/** Data for one loader. */
async function loaderData(loader: LoaderConfig, options: { batchSize: number; seed: number; tokenizer: Tokenizer; training: boolean; reporter: Reporter }): Promise<{ data: TrainData<TokenBatch>; close: () => Promise<void> }> {
  if (loader.kind === 'text') {
    const data = new TokenBatchLoader({
      dataset: {
        local: loader.remote === undefined ? datasetFolder(loader) : loader.local,
        ...(loader.remote === undefined ? {} : { remote: loader.remote }),
        ...(loader.split === undefined || loader.remote === undefined ? {} : { split: loader.split }),
        batchSize: options.batchSize,
        shuffle: options.training && loader.shuffle,
        shuffleSeed: loader.shuffleSeed ?? options.seed,
        ...(loader.shuffleAlgo === undefined ? {} : { shuffleAlgo: loader.shuffleAlgo }),
      },
      seqLen: loader.maxSeqLen,
      numWorkers: loader.numWorkers,
      dropLast: loader.dropLast,
    });
    return { data, close: () => data.close() };
  }
  const { examples, truncated, dropped } = await readFinetuneExamples(loader.path, loader.split, options.tokenizer, loader.format, loader.maxSeqLen);
  options.reporter.info('finetune-data', `[data] ${examples.length} ${options.training ? 'training' : 'evaluation'} examples from ${loader.path} (format ${resolveFormat(loader.format, options.tokenizer)}; ${truncated} truncated to ${loader.maxSeqLen} tokens, ${dropped} without response tokens dropped)`);
  const data = new FinetuneBatches(examples, { batchSize: options.batchSize, shuffle: options.training && loader.shuffle, seed: loader.shuffleSeed ?? options.seed, padId: eosOf(options.tokenizer)?.id ?? 0, dropLast: options.training && loader.dropLast });
  return { data, close: async () => {} };
}

/** The model: fresh (pretrain) or from a Hugging Face folder (finetune, continued pretraining). */
async function buildModel(loaded: LoadedConfig, tokenizer: Tokenizer, mode: 'pretrain' | 'finetune'): Promise<{ model: MPTForCausalLM; config: MPTConfig }> {
  const { config, source } = loaded;
  if (mode === 'finetune' && config.model.pretrained === undefined) {
    throw new ConfigError('model.pretrained_model_name_or_path', source.where(['model']), 'is required by finetune (fine-tuning starts from a Hugging Face MPT folder)',
      'set it to a folder written by `tessera-train export`, or run pretrain to train from scratch');
  }
  const eos = eosOf(tokenizer);
  const mpt = resolveModelConfig(loaded, { vocabSize: tokenizer.vocabSize, ...(eos ? { eosTokenId: eos.id } : {}) });
  if (mpt.vocabSize < tokenizer.vocabSize) {
    throw new ConfigError('model.vocab_size', source.where(['model', 'vocab_size']), `${mpt.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} tokens`,
      `set model.vocab_size to at least ${tokenizer.vocabSize} (llm-foundry pads it up to a multiple of 64)`);
  }
  if (config.model.pretrained !== undefined) {
    const model = await MPTForCausalLM.fromPretrained(config.model.pretrained, { configOverrides: mpt });
    return { model, config: model.config };
  }
  return { model: MPTForCausalLM.init(mpt, { seed: config.seed }), config: mpt };
}

function batchesOf(time: string | number): number {
  const t = parseTime(time);
  return t.unit === 'ba' ? Math.max(1, t.value) : 1;
}

/** Trainer loggers for the output mode. */
function consoleLoggers(config: RunConfig, reporter: Reporter): Callback[] {
  if (reporter.quiet || !config.logToConsole) return [];
  const interval = batchesOf(config.consoleLogInterval);
  if (reporter.format === 'json') return [jsonTrainLogger(reporter, interval)];
  return [new ConsoleLogger({ stream: reporter.messages, interval, progressBar: config.progressBar && reporter.interactive })];
}

/**
 * Run `pretrain` or `finetune` for a loaded config.
 *
 * @example
 * ```ts
 * const summary = await runTraining(await loadConfig('configs/tiny.yaml'), 'pretrain', new Reporter());
 * console.log(summary.evalLoss, summary.unigramLoss);
 * ```
 */
export async function runTraining(loaded: LoadedConfig, mode: 'pretrain' | 'finetune', reporter: Reporter, options: { signal?: AbortSignal } = {}): Promise<TrainSummary> {
  const { config } = loaded;
  const backend = await selectBackend(config.backend, reporter);
  const tokenizer = await ensureTokenizer(loaded, reporter);
  await ensureShards(loaded, tokenizer, reporter);
  const { model, config: mpt } = await buildModel(loaded, tokenizer, mode);
  const parameters = parameterCount(mpt);
  const seqLen = config.trainLoader.maxSeqLen;
  reporter.info('model', `[${mode}] MPT d_model ${mpt.dModel}, ${mpt.nHeads} heads, ${mpt.nLayers} layers, vocabulary ${mpt.vocabSize}, ${(parameters / 1e6).toFixed(2)} M parameters, ` +
    `${mpt.attnConfig.alibi ? 'ALiBi' : 'learned positions'}, ${config.optimizer.name}; backend ${backend.description}`, { parameters, backend: backend.description });

  const train = await loaderData(config.trainLoader, { batchSize: config.globalTrainBatchSize, seed: config.seed, tokenizer, training: true, reporter });
  const evaluation = config.evalLoader && await loaderData(config.evalLoader, { batchSize: config.evalBatchSize, seed: config.seed, tokenizer, training: false, reporter });
  const flopsPerToken = transformerFlopsPerToken({ parameters, nLayers: mpt.nLayers, dModel: mpt.dModel, seqLen });
  const peak = config.speedMonitor?.peakFlopsPerSec === undefined ? estimatePeakFlops() : { flops: config.speedMonitor.peakFlopsPerSec, description: 'callbacks.speed_monitor.peak_flops_per_sec' };
  const speed = speedMonitor({ windowSize: config.speedMonitor?.windowSize ?? 100, flopsPerToken, ...(peak ? { peakFlopsPerSec: peak.flops } : {}) });
  let [started, startToken] = [performance.now(), 0];
  const resumeNotice: Callback = {
    name: 'resume-notice',
    events: {
      'fit-start': (state) => {
        [started, startToken] = [performance.now(), state.timestamp.token]; // this run's throughput starts here
        if (state.timestamp.batch > 0) reporter.info('resumed', `[${mode}] resuming from ${state.lastCheckpoint} at batch ${state.timestamp.batch}`, { path: state.lastCheckpoint, batch: state.timestamp.batch });
      },
    },
  };
  let throughput: Record<string, number> = {};
  const throughputTap: Callback = { name: 'throughput-tap', logMetrics: (metrics) => { if (metrics['throughput/tokensPerSec'] !== undefined) throughput = { ...metrics }; } };

  await mkdir(config.saveFolder, { recursive: true });
  // Run folders are outputs: like a Python venv, each says so to git itself.
  if (!existsSync(join(config.saveFolder, '.gitignore'))) await writeFile(join(config.saveFolder, '.gitignore'), '# written by tessera-train: run outputs are not tracked\n*\n');
  await writeFile(join(config.saveFolder, 'config.yaml'), `# resolved from ${loaded.source.file} (overrides and \${...} applied)\n${stringify(loaded.source.value)}`);
  const trainer = new Trainer<TokenBatch>({
    model: mptTrainable(model, tokenizer, { ...(config.tokenizer.modelMaxLength === undefined ? {} : { modelMaxLength: config.tokenizer.modelMaxLength }) }),
    trainData: train.data,
    ...(evaluation ? { evalData: evaluation.data, evalInterval: config.evalInterval, evalSubsetNumBatches: config.evalSubsetNumBatches } : {}),
    batchSpec: tokenBatchSpec,
    maxDuration: config.maxDuration,
    optimizer: optimizerOf(config.optimizer),
    ...(config.scheduler ? { scheduler: schedulerOf(config.scheduler)! } : {}),
    ...(config.microBatchSize === undefined ? {} : { microBatchSize: config.microBatchSize }),
    callbacks: [resumeNotice, ...(config.gradientClipping ? [gradientClipping(config.gradientClipping)] : []), speed],
    loggers: [...consoleLoggers(config, reporter), new MetricsFileLogger(), lossReport({ title: `${config.runName} (${mode})` }), throughputTap],
    saveFolder: config.saveFolder,
    saveInterval: config.saveInterval,
    saveNumCheckpointsToKeep: config.saveNumCheckpointsToKeep,
    autoresume: config.autoresume,
    ...(config.loadPath === undefined ? {} : { loadPath: config.loadPath }),
    seed: config.seed,
    runName: config.runName,
    ...(options.signal ? { signal: options.signal } : {}),
    warn: (message) => reporter.warn(message),
  });
  try {
    const result = await trainer.fit();
    const seconds = (performance.now() - started) / 1000;
    let evalLoss = trainer.state.evalLoss;
    let baseline: number | undefined;
    if (evaluation && !result.stopped) {
      evalLoss ??= (await trainer.evaluate()).loss;
      if (config.trainLoader.kind === 'text' && config.evalLoader?.kind === 'text') baseline = await unigramBaseline(config, mpt.vocabSize, reporter);
    }
    const tokens = result.timestamp.token - startToken;
    const summary: TrainSummary = {
      batches: result.timestamp.batch, tokens: result.timestamp.token, seconds, tokensPerSec: tokens / Math.max(seconds, 1e-9), stopped: result.stopped,
      checkpoint: result.lastCheckpoint, evalLoss, unigramLoss: baseline, parameters, backend: backend.description,
      flopsPerSec: throughput['throughput/flopsPerSec'], mfu: throughput['throughput/mfu'],
    };
    await writeFile(join(config.saveFolder, 'summary.json'), `${JSON.stringify({ mode, ...summary, peakFlopsEstimate: peak?.description }, null, 2)}\n`);
    reportSummary(summary, mode, config, reporter, peak?.description);
    return summary;
  } finally {
    await train.close();
    await evaluation?.close();
  }
}

/** The unigram baseline over the batches the evaluation scores. */
async function unigramBaseline(config: RunConfig, vocabSize: number, reporter: Reporter): Promise<number | undefined> {
  const train = config.trainLoader;
  const evaluation = config.evalLoader;
  if (train.kind !== 'text' || evaluation?.kind !== 'text') return undefined;
  const open = (loader: typeof train, batchSize: number): TokenBatchLoader => new TokenBatchLoader({ dataset: { local: datasetFolder(loader), batchSize }, seqLen: loader.maxSeqLen, dropLast: false });
  const trainLoader = open(train, 64);
  const evalLoader = open(evaluation, config.evalBatchSize);
  try {
    const counts = await countTokens(trainLoader, vocabSize);
    const limit = config.evalSubsetNumBatches;
    async function* subset(): AsyncGenerator<TokenBatch> {
      let n = 0;
      for await (const batch of evalLoader) {
        if (limit >= 0 && n++ >= limit) return;
        yield batch;
      }
    }
    return (await unigramLoss(counts, subset())).loss;
  } catch (error) {
    reporter.warn(`could not compute the unigram baseline: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  } finally {
    await trainLoader.close();
    await evalLoader.close();
  }
}

function reportSummary(s: TrainSummary, mode: string, config: RunConfig, reporter: Reporter, peak: string | undefined): void {
  const speed = `${Math.round(s.tokensPerSec).toLocaleString('en-US')} tok/s` +
    (s.flopsPerSec === undefined ? '' : `, ${(s.flopsPerSec / 1e9).toFixed(2)} GFLOP/s`) +
    (s.mfu === undefined ? '' : `, MFU ${(100 * s.mfu).toFixed(2)}% of an estimated ${peak}`);
  reporter.result('train-end', `[${mode}] ${s.stopped ? 'stopped' : 'done'} at batch ${s.batches} (${s.tokens.toLocaleString('en-US')} tokens); this run ${s.seconds.toFixed(1)} s, ${speed}`,
    { batches: s.batches, tokens: s.tokens, seconds: Math.round(s.seconds * 10) / 10, tokensPerSec: Math.round(s.tokensPerSec), mfu: s.mfu, stopped: s.stopped });
  if (s.evalLoss !== undefined) {
    const gap = s.unigramLoss === undefined ? 0 : s.unigramLoss - s.evalLoss;
    const baseline = s.unigramLoss === undefined ? '' : ` vs unigram baseline ${s.unigramLoss.toFixed(4)}: ${Math.abs(gap).toFixed(4)} nats/token ${gap >= 0 ? 'better' : 'worse'}`;
    reporter.result('eval-summary', `[${mode}] held-out loss ${s.evalLoss.toFixed(4)} (perplexity ${Math.exp(s.evalLoss).toFixed(2)})${baseline}`,
      { evalLoss: s.evalLoss, perplexity: Math.exp(s.evalLoss), unigramLoss: s.unigramLoss });
  }
  if (s.stopped) reporter.result('stopped', `[${mode}] stopped early; run the same command again to resume from ${s.checkpoint}${config.autoresume ? '' : ' (with autoresume=true)'}`, { checkpoint: s.checkpoint });
  reporter.result('outputs', `[${mode}] outputs in ${config.saveFolder}: checkpoint ${s.checkpoint ?? '-'}, metrics.jsonl, report.html (loss curve), summary.json`, { saveFolder: config.saveFolder, checkpoint: s.checkpoint });
}
