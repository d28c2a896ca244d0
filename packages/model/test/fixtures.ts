/** Helpers for the shared MPT fixtures (copied from ../shared/fixtures/mpt into test/fixtures). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafetensorsBuffer, decodeFloats } from '../src/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const NAMES = ['A', 'B', 'C'] as const;

export interface JsonTensor {
  dtype: string;
  shape: number[];
  data: number[];
}

export interface Fixture {
  name: string;
  model: { vocab_size: number; n_heads: number; kv_n_heads: number; head_dim: number; softmax_scale: number };
  parameters: { name: string; shape: number[] }[];
  input_ids: number[][];
  logits: JsonTensor;
  loss: number;
  alibi_slopes: number[];
  generation: { prompt_ids: number[][]; max_new_tokens: number; generated_ids: number[][]; step_logits: JsonTensor; min_top1_margin: number };
  tolerances: { logits_abs: number; loss_abs: number; step_logits_abs: number; grads_rel_to_tensor_max_abs: number };
}

export function fixtureDir(name: string): string {
  return join(FIXTURES, name);
}

export function readFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'fixture.json'), 'utf8')) as Fixture;
}

/** Every tensor of a fixture safetensors file, decoded to float32. */
export function readTensors(name: string, file: string): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const source = new SafetensorsBuffer(readFileSync(join(FIXTURES, name, file)), file);
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [key, entry] of source.header.entries) out.set(key, { shape: entry.shape, data: decodeFloats('F32', source.readSync(key)) });
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
