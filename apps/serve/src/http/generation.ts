/**
 * Running one completion request on the scheduler and answering it: a JSON body when every
 * choice has finished, or server-sent events as OpenAI sends them (`data: {chunk}\n\n` per
 * delta, a final chunk with `finish_reason` per choice, an optional usage chunk with empty
 * `choices`, then `data: [DONE]`). A client that disconnects cancels its sequences.
 */
import type { ServerResponse } from 'node:http';
import type { Scheduler } from '../engine/scheduler.js';
import type { FinishReason, LogprobEntry, SequenceEvent, SequenceSpec } from '../engine/sequence.js';
import { ApiError } from './errors.js';
import type { ServerMetrics } from './metrics.js';

/** Token counts of a request. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One finished choice. */
export interface ChoiceResult {
  text: string;
  logprobs: LogprobEntry[];
  finishReason: FinishReason | null;
}

/** How an endpoint shapes its chunks and responses. */
export interface ResponseFormat {
  /** Chunks for new text of choice `index` (`first`: this choice's first chunk). */
  chunks(index: number, text: string, logprobs: readonly LogprobEntry[], first: boolean): object[];
  finishChunk(index: number, reason: FinishReason): object;
  usageChunk(usage: Usage): object;
  response(choices: readonly ChoiceResult[], usage: Usage): object;
}

/** A validated request, ready to run. */
export interface GenerationJob {
  readonly endpoint: string;
  /** One spec per choice, in choice-index order. */
  readonly specs: readonly SequenceSpec[];
  readonly promptTokens: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly format: ResponseFormat;
}

/** What the handlers share. */
export interface GenerationContext {
  readonly scheduler: Scheduler;
  readonly metrics: ServerMetrics;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * Submit `job` and answer on `res`; resolves when the response has ended or the client left.
 * Throws ApiError (429) before anything is written when the queue is full.
 */
export function runGeneration(context: GenerationContext, res: ServerResponse, job: GenerationJob, startedAt: number): Promise<void> {
  const { scheduler, metrics } = context;
  const choices: ChoiceResult[] = job.specs.map(() => ({ text: '', logprobs: [], finishReason: null }));
  const started = new Array<boolean>(job.specs.length).fill(false);
  let remaining = job.specs.length;
  let completionTokens = 0;
  let firstToken = true;
  let failed: Error | null = null;

  return new Promise<void>((resolve) => {
    const write = (payload: object | string): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
    };
    const usage = (): Usage => ({ prompt_tokens: job.promptTokens, completion_tokens: completionTokens, total_tokens: job.promptTokens + completionTokens });

    const finishAll = (): void => {
      metrics.generatedTokens.inc({}, completionTokens);
      if (failed) {
        const error = new ApiError(500, `generation failed: ${failed.message}`, { code: 'generation_failed' });
        if (job.stream) {
          write(error.toJSON());
          res.end();
        } else {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(error.toJSON()));
        }
      } else if (job.stream) {
        if (job.includeUsage) write(job.format.usageChunk(usage()));
        write('[DONE]');
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job.format.response(choices, usage())));
      }
      metrics.latency.observe((performance.now() - startedAt) / 1000);
      resolve();
    };

    const sink = (index: number) => (event: SequenceEvent): void => {
      if (remaining < 0) return; // the client left
      if (firstToken && event.type !== 'error') {
        firstToken = false;
        metrics.timeToFirstToken.observe((performance.now() - startedAt) / 1000);
      }
      const choice = choices[index]!;
      if (event.type === 'delta') {
        if (job.stream) {
          for (const chunk of job.format.chunks(index, event.text, event.logprobs, !started[index])) write(chunk);
          started[index] = true;
        } else {
          choice.text += event.text;
          choice.logprobs.push(...event.logprobs);
        }
        return;
      }
      if (event.type === 'finish') {
        completionTokens += event.completionTokens;
        choice.finishReason = event.reason;
        if (job.stream) {
          if (!started[index]) for (const chunk of job.format.chunks(index, '', [], true)) write(chunk);
          started[index] = true;
          write(job.format.finishChunk(index, event.reason));
        }
      } else {
        failed ??= event.error;
      }
      if (remaining > 0 && --remaining === 0) finishAll();
    };

    const submission = scheduler.submit(job.specs, job.specs.map((_, i) => sink(i)));
    metrics.promptTokens.inc({}, job.promptTokens);
    if (job.stream) res.writeHead(200, SSE_HEADERS);

    const abandon = (): void => {
      if (remaining === 0) return;
      remaining = -1; // nothing more is sent
      submission.cancel();
      metrics.cancelled.inc();
      metrics.latency.observe((performance.now() - startedAt) / 1000);
      resolve();
    };
    res.on('close', abandon);
    if (res.destroyed) abandon();
  });
}
