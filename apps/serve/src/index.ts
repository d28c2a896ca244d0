/**
 * @tessera/app-serve: the pieces of `tessera-serve`, for tests, benchmarks and embedding the
 * server in another Node program.
 *
 * @example
 * ```ts
 * import { createServer, loadModelHost } from '@tessera/app-serve';
 * const app = createServer({ host: await loadModelHost('./mpt-tiny') });
 * console.log(await app.listen(0));
 * ```
 */
export { createServer, type ServerOptions, type TesseraServer } from './http/server.js';
export { loadModelHost, createModelHost, type ModelHost } from './model-host.js';
export { Scheduler, QueueFullError, type SchedulerOptions, type StepInfo, type Submission } from './engine/scheduler.js';
export { BatchCache } from './engine/batch-cache.js';
export { Sequence, type SequenceSpec, type SequenceEvent, type FinishReason, type LogprobEntry, type TokenText } from './engine/sequence.js';
export { Sampler, logSoftmax, topEntries, type SamplingParams, type TokenChoice } from './engine/sampling.js';
export { ApiError } from './http/errors.js';
export { ServerMetrics } from './http/metrics.js';
