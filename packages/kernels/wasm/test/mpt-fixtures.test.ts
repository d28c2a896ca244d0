/**
 * The shared MPT fixtures (../shared/fixtures/mpt: A multi-head, B with clip_qkv/qk_ln/logit_scale,
 * C grouped-query) on the WASM backend with two threads: the shared suite `describeMptFixtures` of
 * @tessera/kernels-conformance (logits, loss, every parameter gradient and greedy decoding with
 * the KV cache, within each fixture's own tolerances; attention runs the WASM fused kernels,
 * forward and backward: the suite counts the calls that reach their registrations).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMptFixtures } from '@tessera/kernels-conformance';
import { Attention, AttentionBackward, MPTForCausalLM, SafetensorsBuffer, decodeFloats } from '@tessera/model';
import { createWasmBackend } from '../src/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'shared', 'fixtures', 'mpt');

const skip = !existsSync(FIXTURES) ? `no fixtures at ${FIXTURES}` : undefined;
if (skip) console.log(`MPT fixture test skipped: ${skip}`);

describeMptFixtures('wasm', () => createWasmBackend({ threads: 2 }),
  { MPTForCausalLM, SafetensorsBuffer, decodeFloats, Attention, AttentionBackward },
  { directory: FIXTURES, readFile: (path) => readFileSync(path), ...(skip === undefined ? {} : { skip }) });
