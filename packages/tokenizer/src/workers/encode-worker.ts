/**
 * Worker thread of the encoder pool (Node only): builds the tokenizer from the tokenizer.json
 * it is given, then answers encode jobs with all ids of a job in one transferred `Int32Array`
 * plus the length of each text's ids.
 *
 * Protocol: `workerData` is `{ json }`; a job is `{ job, texts, addSpecialTokens }`; the answer
 * is `{ job, ids, lengths }` or `{ job, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '../tokenizer.js';

/** A job sent to the worker. */
export interface EncodeJob {
  job: number;
  texts: string[];
  addSpecialTokens: boolean;
}

/** The worker's answer. */
export type EncodeResult = { job: number; ids: Int32Array; lengths: Int32Array } | { job: number; error: string };

const tokenizer = Tokenizer.fromJSON((workerData as { json: string }).json);
const port = parentPort!;

port.on('message', ({ job, texts, addSpecialTokens }: EncodeJob) => {
  try {
    const encoded = texts.map((text) => tokenizer.encode(text, { addSpecialTokens }).ids);
    const lengths = Int32Array.from(encoded, (ids) => ids.length);
    const ids = new Int32Array(lengths.reduce((n, length) => n + length, 0));
    let offset = 0;
    for (const list of encoded) {
      for (let i = 0; i < list.length; i++) ids[offset + i] = list[i]!;
      offset += list.length;
    }
    const result: EncodeResult = { job, ids, lengths };
    port.postMessage(result, [ids.buffer, lengths.buffer]);
  } catch (e) {
    const result: EncodeResult = { job, error: e instanceof Error ? e.message : String(e) };
    port.postMessage(result);
  }
});
