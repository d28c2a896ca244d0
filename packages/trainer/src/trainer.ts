/**
 * The training loop. It reads top to bottom: resume, then for each epoch and batch compute the
 * gradients (over microbatches, or on worker threads), guard against non-finite values, step
 * the optimizer with the scheduled lr, advance the clock, evaluate and checkpoint when the
 * intervals say so, and stop cleanly on request. Everything else (clipping, logging, speed)
 * is a callback. Event order: see events.ts; lr lag: see schedulers.ts.
 */
import { dispose, Generator, noGrad, scope, type Tensor } from '@tessera/tensor';
import { splitBatch } from './batch.js';
import { listCheckpoints, pruneCheckpoints, removeTemporaries, verifyCheckpoint } from './checkpoint/checkpoint.js';
import { loadTrainerCheckpoint, saveTrainerCheckpoint, type CheckpointContext } from './checkpoint/trainer-checkpoint.js';
import { CheckpointIntegrityError, NonFiniteLossError, TrainerConfigError } from './errors.js';
import { EventBus, type TrainerEvent, type TrainerState } from './events.js';
import { accumulateGradients, globalNorm } from './gradients.js';
import { intervalFires } from './interval.js';
import type { FitResult, TrainerOptions } from './options.js';
import { DataParallel } from './parallel/data-parallel.js';
import { batchGenerator } from './rng.js';
import { scheduledLr } from './schedulers.js';
import { elapsedFraction, parseTime, Timestamp, type Time } from './time.js';

/**
 * A Composer-style trainer.
 *
 * @example
 * ```ts
 * const trainer = new Trainer({
 *   model, trainData, batchSpec: tokenBatchSpec, maxDuration: '1000ba',
 *   optimizer: new DecoupledLionW({ lr: 1e-4, betas: [0.9, 0.95] }),
 *   scheduler: cosineWithWarmupScheduler({ tWarmup: '100ba', alphaF: 0.1 }),
 *   callbacks: [gradientClipping({ threshold: 1 })], loggers: [new ConsoleLogger(), new MetricsFileLogger()],
 *   saveFolder: 'runs/tiny', saveInterval: '100ba', autoresume: true,
 * });
 * await trainer.fit();
 * ```
 */
export class Trainer<Batch, Outputs = Tensor> {
  readonly state: TrainerState<Batch, Outputs>;
  readonly #options: TrainerOptions<Batch, Outputs>;
  readonly #events: EventBus;
  readonly #evalInterval: Time;
  readonly #saveInterval: Time;
  #savedAt = -1;
  #evaluatedAt = -1;
  #spin = 0;

  constructor(options: TrainerOptions<Batch, Outputs>) {
    this.#options = options;
    this.#events = new EventBus(options.callbacks ?? [], options.loggers ?? []);
    this.#evalInterval = parseTime(options.evalInterval ?? '1ep', 'evalInterval');
    this.#saveInterval = parseTime(options.saveInterval ?? '1ep', 'saveInterval');
    const maxDuration = parseTime(options.maxDuration, 'maxDuration');
    if (maxDuration.unit === 'dur') throw new TrainerConfigError('maxDuration', "cannot be in 'dur'", "use ep, ba, sp or tok");
    if (options.autoresume && !options.saveFolder) throw new TrainerConfigError('autoresume', 'needs a saveFolder', 'checkpoints are looked for in saveFolder');
    const start = new Timestamp();
    this.state = {
      runName: options.runName ?? 'run', seed: options.seed ?? 17, model: options.model, optimizer: options.optimizer, maxDuration,
      batchesPerEpoch: options.trainData.length, saveFolder: options.saveFolder, timestamp: start, previousTimestamp: start,
      batch: undefined, microbatch: undefined, outputs: undefined, loss: NaN, grads: undefined, gradNorm: undefined,
      lr: options.optimizer.initialLr, evalLoss: undefined, evalPerplexity: undefined, lastCheckpoint: undefined, stopRequested: false,
    };
  }

  /** Train until `maxDuration` or a stop request; always ends with a checkpoint when `saveFolder` is set. */
  async fit(): Promise<FitResult> {
    const o = this.#options;
    const s = this.state;
    const unwatch = this.#watchStop();
    const parallel = o.dataParallel ? await DataParallel.start(o.dataParallel, Object.keys(o.model.parameters())) : undefined;
    try {
      const resumedFrom = await this.#resume();
      const resumedFromBatch = resumedFrom === undefined ? undefined : s.timestamp.batch;
      await this.#emit('fit-start');
      while (!this.#done() && !s.stopRequested) {
        if (s.timestamp.batchInEpoch === 0) await this.#emit('epoch-start');
        if (!(await this.#trainEpoch(parallel))) continue;
        s.timestamp = s.timestamp.afterEpoch();
        await this.#emit('epoch-end');
        await this.#afterInterval('epoch');
      }
      const trained = s.timestamp.batch > (resumedFromBatch ?? 0);
      if (o.evalData && trained && !s.stopRequested && this.#evaluatedAt !== s.timestamp.batch) await this.#evaluate();
      if (o.saveFolder && this.#savedAt !== s.timestamp.batch) await this.#save();
      await this.#emit('fit-end');
      return { timestamp: s.timestamp, stopped: !this.#done(), lastCheckpoint: s.lastCheckpoint, resumedFrom };
    } finally {
      unwatch();
      await parallel?.close();
    }
  }

  /** One epoch (or its rest, after a resume). True when the data was exhausted. */
  async #trainEpoch(parallel: DataParallel | undefined): Promise<boolean> {
    const s = this.state;
    const data = this.#options.trainData;
    data.setEpoch?.(s.timestamp.epoch);
    const iterator = iterate(data);
    try {
      for (; this.#spin > 0; this.#spin--) if ((await iterator.next()).done) break; // non-resumable data after a resume
      for (;;) {
        if (this.#done() || s.stopRequested) return s.batchesPerEpoch !== undefined && s.timestamp.batchInEpoch >= s.batchesPerEpoch;
        const next = await iterator.next();
        if (next.done) {
          if (s.timestamp.batchInEpoch === 0) throw new TrainerConfigError('trainData', `yielded no batches in epoch ${s.timestamp.epoch}`, 'an iterable for several epochs must restart when iterated again');
          return true;
        }
        await this.#trainBatch(next.value, parallel);
        await this.#afterInterval('batch');
      }
    } finally {
      await iterator.return?.();
    }
  }

  async #trainBatch(batch: Batch, parallel: DataParallel | undefined): Promise<void> {
    const { model, batchSpec: spec, optimizer, scheduler } = this.#options;
    const s = this.state;
    const started = performance.now();
    s.batch = batch;
    await this.#emit('batch-start');
    s.lr = scheduledLr(scheduler, optimizer.initialLr, { timestamp: s.previousTimestamp, maxDuration: s.maxDuration, batchesPerEpoch: s.batchesPerEpoch });
    const totalWeight = spec.lossWeight(batch);
    const { grads, loss } = parallel
      ? await parallel.gradients(model.parameters(), batch, spec, { totalWeight, seed: s.seed, batchIndex: s.timestamp.batch })
      : await accumulateGradients(model, model.parameters(), batch, spec, {
        microBatchSize: this.#options.microBatchSize, totalWeight,
        context: { training: true, generator: batchGenerator(s.seed, s.timestamp.batch) },
        hooks: { event: (name, micro) => this.#microbatchEvent(name, micro) },
      });
    s.loss = loss;
    s.grads = grads;
    s.gradNorm = await globalNorm(grads);
    const finite = Number.isFinite(loss) && Number.isFinite(s.gradNorm);
    if (finite) {
      await this.#emit('optimizer-step-start');
      const next = optimizer.step(model.parameters(), s.grads, s.lr);
      dispose(Object.values(s.grads));
      s.grads = undefined;
      model.setParameters(next);
      await this.#emit('optimizer-step-end');
    } else {
      dispose(Object.values(grads));
      s.grads = undefined;
      if (this.#options.nonFinite !== 'skip') throw new NonFiniteLossError(s.timestamp.batch, loss, s.gradNorm);
      this.#warn(`batch ${s.timestamp.batch}: non-finite loss ${loss} or gradient norm ${s.gradNorm}; the step was skipped`);
    }
    s.previousTimestamp = s.timestamp;
    s.timestamp = s.timestamp.afterBatch({ samples: spec.samples(batch), tokens: spec.tokens(batch), seconds: (performance.now() - started) / 1000 });
    this.#events.logMetrics({ loss, lr: s.lr, gradNorm: s.gradNorm, ...(finite ? {} : { skippedStep: 1 }) });
    await this.#emit('batch-end');
    s.batch = undefined;
  }

  #microbatchEvent(name: TrainerEvent, micro: { batch: Batch; outputs?: Outputs }): void | Promise<void> {
    const s = this.state;
    s.microbatch = micro.batch;
    s.outputs = micro.outputs;
    if (name !== 'backward-end') return this.#events.emitSync(name, s);
    s.outputs = undefined;
    return this.#emit(name).then(() => {
      s.microbatch = undefined;
    });
  }

  /** Evaluation and checkpointing due at a batch end or epoch end. */
  async #afterInterval(event: 'batch' | 'epoch'): Promise<void> {
    const o = this.#options;
    const s = this.state;
    if (o.evalData && intervalFires(this.#evalInterval, event, s)) await this.#evaluate();
    if (o.saveFolder && intervalFires(this.#saveInterval, event, s) && this.#savedAt !== s.timestamp.batch) await this.#save();
  }

  /**
   * Held-out loss (weighted by loss units, so it is the mean over all eval tokens) and perplexity.
   *
   * @example
   * ```ts
   * const { loss, perplexity } = await trainer.evaluate();
   * ```
   */
  async evaluate(): Promise<{ loss: number; perplexity: number }> {
    await this.#evaluate();
    return { loss: this.state.evalLoss!, perplexity: this.state.evalPerplexity! };
  }

  async #evaluate(): Promise<void> {
    const { model, batchSpec: spec, evalData, evalSubsetNumBatches = -1, microBatchSize } = this.#options;
    const s = this.state;
    if (!evalData) throw new TrainerConfigError('evalData', 'evaluation needs evalData');
    await this.#emit('eval-start');
    let [total, weight, batches] = [0, 0, 0];
    const iterator = iterate(evalData);
    try {
      for (let next = await iterator.next(); !next.done && (evalSubsetNumBatches < 0 || batches < evalSubsetNumBatches); next = await iterator.next(), batches++) {
        await this.#emit('eval-batch-start');
        for (const part of splitBatch(spec, next.value, microBatchSize ?? spec.samples(next.value))) {
          const w = spec.lossWeight(part);
          if (w === 0) continue;
          const value = noGrad(() => scope(() => model.loss(model.forward(model.parameters(), part, { training: false, generator: new Generator(s.seed) }), part)));
          total += (await value.item()) * w;
          weight += w;
          value.dispose();
        }
        await this.#emit('eval-batch-end');
      }
    } finally {
      await iterator.return?.();
    }
    if (weight === 0) throw new TrainerConfigError('evalData', 'has no loss-generating units', 'give evaluation at least one batch with targets');
    s.evalLoss = total / weight;
    s.evalPerplexity = Math.exp(s.evalLoss);
    this.#evaluatedAt = s.timestamp.batch;
    this.#events.logMetrics({ 'eval/loss': s.evalLoss, 'eval/perplexity': s.evalPerplexity });
    await this.#emit('eval-end');
  }

  async #save(): Promise<void> {
    const o = this.#options;
    await this.#emit('checkpoint-start');
    this.state.lastCheckpoint = await saveTrainerCheckpoint(o.saveFolder!, this.#checkpointContext());
    this.#savedAt = this.state.timestamp.batch;
    await pruneCheckpoints(o.saveFolder!, o.saveNumCheckpointsToKeep ?? -1);
    await this.#emit('checkpoint-end');
  }

  /** Autoresume from the newest valid checkpoint (falling back past corrupt ones), else loadPath. */
  async #resume(): Promise<string | undefined> {
    const o = this.#options;
    if (o.saveFolder) await removeTemporaries(o.saveFolder);
    const candidates = o.autoresume && o.saveFolder ? (await listCheckpoints(o.saveFolder)).map((c) => c.path) : [];
    // loadPath only when no autoresume checkpoint is usable (Composer ignores it otherwise).
    for (const path of [...candidates, ...(o.loadPath ? [o.loadPath] : [])]) {
      try {
        await verifyCheckpoint(path);
      } catch (error) {
        if (!CheckpointIntegrityError.isInstance(error) || path === o.loadPath) throw error;
        this.#warn(`skipping checkpoint ${path}: ${error.message.split('\n')[0]}`);
        continue;
      }
      const { dataState } = await loadTrainerCheckpoint(path, this.#checkpointContext());
      const resumable = typeof o.trainData.loadStateDict === 'function' && dataState !== null && dataState !== undefined;
      this.#spin = resumable ? 0 : this.state.timestamp.batchInEpoch;
      this.#savedAt = this.state.timestamp.batch;
      return path;
    }
    return undefined;
  }

  #checkpointContext(): CheckpointContext {
    const o = this.#options;
    return {
      state: this.state, optimizer: o.optimizer, trainData: o.trainData, events: this.#events, schedulerName: o.scheduler?.name ?? null,
      metadata: { microBatchSize: o.microBatchSize ?? null, dataParallelWorkers: o.dataParallel?.workers ?? 0 },
    };
  }

  #done(): boolean {
    return elapsedFraction(this.state.timestamp, this.state.maxDuration) >= 1;
  }

  #emit(event: TrainerEvent): Promise<void> {
    return this.#events.emit(event, this.state);
  }

  #warn(message: string): void {
    (this.#options.warn ?? console.warn)(`[trainer] ${message}`);
  }

  /** Abort signal and SIGINT set stopRequested; returns the cleanup. */
  #watchStop(): () => void {
    const { signal, handleSigint = true } = this.#options;
    const stop = (): void => {
      this.state.stopRequested = true;
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop);
    const onSigint = (): void => {
      process.off('SIGINT', onSigint);
      this.#warn('SIGINT: stopping after the current batch with a checkpoint (press Ctrl-C again to exit at once)');
      stop();
    };
    if (handleSigint) process.on('SIGINT', onSigint);
    return () => {
      signal?.removeEventListener('abort', stop);
      process.off('SIGINT', onSigint);
    };
  }
}

/** An async iterator over sync or async iterables. */
function iterate<T>(data: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in data) return data[Symbol.asyncIterator]();
  const sync = data[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async () => sync.return?.() ?? { done: true, value: undefined },
  };
}
