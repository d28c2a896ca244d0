/**
 * A tiny randomly initialised MPT saved as a Hugging Face directory (config.json + safetensors)
 * with the 4096-token byte-level BPE fixture as its tokenizer: what the tests and the load test
 * serve.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig, MPTForCausalLM, type MPTConfigInput } from '@tessera/model';

export const TOKENIZER_FIXTURE = new URL('./fixtures/tokenizer.json', import.meta.url);

/** The tiny model's shape: 2 layers, d_model 64, 4 heads, ALiBi, context 256. */
export const TINY_CONFIG: MPTConfigInput = { dModel: 64, nHeads: 4, nLayers: 2, vocabSize: 4096, maxSeqLen: 256, eosTokenId: 0 };

/**
 * Write the tiny model to a fresh temporary directory; `cleanup` removes it.
 *
 * @example
 * ```ts
 * const { dir, cleanup } = await writeTinyModel();
 * ```
 */
export async function writeTinyModel(overrides: MPTConfigInput = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-serve-'));
  const model = MPTForCausalLM.init(createConfig({ ...TINY_CONFIG, ...overrides }), { seed: 1 });
  await model.savePretrained(dir);
  model.dispose();
  await copyFile(TOKENIZER_FIXTURE, join(dir, 'tokenizer.json'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
