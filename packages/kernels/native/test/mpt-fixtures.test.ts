/**
 * The shared MPT fixtures (../shared/fixtures/mpt: A multi-head, B with clip_qkv/qk_ln/logit_scale,
 * C grouped-query) on the native backend with two threads: the shared suite `describeMptFixtures`
 * of @tessera/kernels-conformance (logits, loss, every parameter gradient and greedy decoding with
 * the KV cache, within each fixture's own tolerances; the calls that reach the native fused
 * attention registrations are counted, to show they ran).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMptFixtures } from '@tessera/kernels-conformance';
import { Attention, AttentionBackward, MPTForCausalLM, SafetensorsBuffer, decodeFloats } from '@tessera/model';
import { createNativeBackend, nativeStatus } from '../src/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'shared', 'fixtures', 'mpt');

const status = nativeStatus();
const skip = !status.available ? status.reason : !existsSync(FIXTURES) ? `no fixtures at ${FIXTURES}` : undefined;

describeMptFixtures('native', () => createNativeBackend({ threads: 2, fallback: 'throw' }),
  { MPTForCausalLM, SafetensorsBuffer, decodeFloats, Attention, AttentionBackward },
  { directory: FIXTURES, readFile: (path) => readFileSync(path), ...(skip === undefined ? {} : { skip }) });
