/**
 * The worker threads behind `createWasmBackend({ threads })`: `threads - 1` workers (worker_threads
 * in Node, Web Workers in a browser), each instantiating the same compiled module over the same
 * shared memory; the calling thread is the last one. Kernels stay synchronous: the caller posts a
 * job in a control block in linear memory, takes its own share, then waits for the workers
 * (Atomics.wait where the thread may block, a spin on the browser's main thread).
 *
 * Control block (Int32 slots): 0 job generation, 1 job (an index into JOBS, -1 = stop), 2 parameter-block
 * address, 3 job state (workers inside the job, plus CLOSED once the caller has finished its own
 * share), 4 a worker failed. A worker joins a job only while it is open (compare-and-swap on the
 * state), so the caller never waits for a worker that was asleep or descheduled and did no work:
 * it closes the job and waits only for the workers inside it. Tiles come from an atomic counter,
 * so whoever is running takes the work. A worker that joins reads the job code and parameters
 * after joining (a slow worker may join the next job, not the one whose generation it saw).
 * Workers spin briefly on the generation, then sleep in Atomics.wait; they are unref'd in Node, so a
 * process that has nothing else to do exits.
 */
import { isNode } from './module.js';

const GENERATION = 0;
const JOB = 1;
const PARAMS = 2;
const STATE = 3;
const FAILED = 4;
const CLOSED = 1 << 30;
export const CONTROL_BYTES = 64;

/**
 * The threaded exports of the module, by job code: each is `(params, thread) => void` and takes
 * its tasks from an atomic counter in its parameter block, so whichever threads run share the work.
 */
export const JOBS = ['sgemm', 'attentionForward', 'attentionBackward', 'optimizerStep', 'rowsJob'] as const;
export type JobName = (typeof JOBS)[number];

/**
 * The worker's whole program, run as a classic script (Node: `new Worker(code, { eval: true })`;
 * browsers: a Blob URL), so no file has to be resolved next to the bundle that imports this package.
 */
const WORKER_SOURCE = `
'use strict';
const nodePort = typeof require === 'function' && typeof process === 'object' ? require('node:worker_threads').parentPort : null;
const post = (message) => (nodePort ? nodePort.postMessage(message) : self.postMessage(message));
const start = ({ module, memory, control, index }) => {
  let exports;
  try {
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (error) {
    post({ error: String(error && error.message || error) });
    return;
  }
  post({ ready: true });
  const ctrl = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  const jobs = ${JSON.stringify(JOBS)}.map((name) => exports[name]);
  let seen = Atomics.load(ctrl, ${GENERATION});
  for (;;) {
    for (let spin = 0; spin < 20000 && Atomics.load(ctrl, ${GENERATION}) === seen; spin++);
    if (Atomics.load(ctrl, ${GENERATION}) === seen) Atomics.wait(ctrl, ${GENERATION}, seen);
    const generation = Atomics.load(ctrl, ${GENERATION});
    if (generation === seen) continue;
    seen = generation;
    const job = Atomics.load(ctrl, ${JOB});
    if (job === -1) return;
    let joined = false;
    for (;;) {
      const state = Atomics.load(ctrl, ${STATE});
      if (state & ${CLOSED}) break;
      if (Atomics.compareExchange(ctrl, ${STATE}, state, state + 1) === state) { joined = true; break; }
    }
    if (!joined) continue;
    // The job open now may be a later one than the generation seen above (this worker was slow):
    // while a worker is inside, the caller cannot start another, so read what it is now.
    const current = Atomics.load(ctrl, ${JOB});
    try {
      if (current < 0) throw new Error('stopped');
      jobs[current](Atomics.load(ctrl, ${PARAMS}), index);
    } catch (error) {
      Atomics.store(ctrl, ${FAILED}, 1);
    }
    if (((Atomics.sub(ctrl, ${STATE}, 1) - 1) & ~${CLOSED}) === 0) Atomics.notify(ctrl, ${STATE});
  }
};
if (nodePort) nodePort.once('message', start);
else self.onmessage = (event) => { self.onmessage = null; start(event.data); };
`;

interface WorkerHandle {
  terminate(): void;
}

/** Can this thread block in Atomics.wait? (A browser's main thread cannot.) */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface StartMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
}

async function spawnNode(message: StartMessage): Promise<WorkerHandle> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true, name: `tessera-wasm-${message.index}` });
  worker.unref();
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: { ready?: boolean; error?: string }) => (reply.ready ? resolve() : reject(new Error(reply.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${message.index} exited with code ${code} before it was ready`)));
    worker.postMessage(message);
  });
  worker.removeAllListeners();
  return { terminate: () => void worker.terminate() };
}

async function spawnBrowser(message: StartMessage): Promise<WorkerHandle> {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url, { name: `tessera-wasm-${message.index}` });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<{ ready?: boolean; error?: string }>) =>
        (event.data.ready ? resolve() : reject(new Error(event.data.error)));
      worker.onerror = (event) => reject(new Error(event.message || 'worker failed to start'));
      worker.postMessage(message);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
  worker.onmessage = null;
  worker.onerror = null;
  return { terminate: () => worker.terminate() };
}

/** Workers sharing one memory and module; `run` runs a job on them and the calling thread. */
export class ThreadPool {
  readonly #control: Int32Array;
  readonly #workers: WorkerHandle[];
  readonly #block = canBlock();
  #closed = false;

  private constructor(control: Int32Array, workers: WorkerHandle[]) {
    this.#control = control;
    this.#workers = workers;
  }

  /** Start `count` workers; the control block lives at `control` in the shared `memory`. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, count: number): Promise<ThreadPool> {
    const spawn = isNode ? spawnNode : spawnBrowser;
    const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => spawn({ module, memory, control, index: i + 1 })));
    const workers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      for (const worker of workers) worker.terminate();
      throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
    }
    return new ThreadPool(new Int32Array(memory.buffer, control, CONTROL_BYTES / 4), workers);
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Run job `name` over the parameter block at `params` on every worker and on this thread (thread 0). */
  run(name: JobName, params: number, fn: (params: number, thread: number) => void): void {
    const control = this.#control;
    if (this.#closed) throw new Error('internal: the wasm thread pool is closed');
    Atomics.store(control, JOB, JOBS.indexOf(name));
    Atomics.store(control, PARAMS, params);
    Atomics.store(control, FAILED, 0);
    Atomics.store(control, STATE, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    let error: unknown;
    try {
      fn(params, 0);
    } catch (e) {
      error = e;
    }
    Atomics.or(control, STATE, CLOSED);
    for (let spin = 0; ; spin++) {
      const state = Atomics.load(control, STATE);
      if ((state & ~CLOSED) === 0) break;
      if (this.#block && spin > 2000) Atomics.wait(control, STATE, state, 50);
    }
    if (error) throw error;
    if (Atomics.load(control, FAILED)) throw new Error('@tessera/kernels-wasm: a worker thread failed in ${name}');
  }

  /** Stop the workers (they also never keep a Node process alive on their own). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#control, JOB, -1);
    Atomics.add(this.#control, GENERATION, 1);
    Atomics.notify(this.#control, GENERATION);
    for (const worker of this.#workers) worker.terminate();
  }
}
