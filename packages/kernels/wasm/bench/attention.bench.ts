/**
 * Attention forward and backward: the WASM fused kernels (FlashAttention-style tiles) against the
 * model's decomposition (matmul, masks, softmax... as separate wasm kernels) on the same backend,
 * 1 and 2 threads, milliseconds per call through the public API (`attention(...)` /
 * `runKernel(AttentionBackward, ...)` and reading the outputs). Causal, ALiBi, float32.
 * ratio = decomposed ms / fused ms (the fused speed-up).
 *
 * Flags: --threads=1,2  --seqs=256 (B=8, H=4, hd=64)
 */
import { alibiSlopes, attention, AttentionBackward } from '@tessera/model';
import { randn, runKernel, useBackend } from '@tessera/tensor';
import { attentionRows } from '@tessera/tool-bench';
import { createWasmBackend } from '../src/index.js';
import { attentionKernels } from '../src/kernels/attention.js';
import type { Benchmark } from './run.js';

export const attentionBench: Benchmark = {
  name: 'attention',
  description: 'fused attention forward/backward vs its decomposition on the wasm backend, ms per call; ratio = decomposed / fused',
  run: (context) => attentionRows(context, {
    createBackend: (threads) => createWasmBackend({ threads }),
    fusedKernelNames: attentionKernels.map((k) => k.def.name),
    useBackend,
    randn,
    alibiSlopes,
    attention,
    attentionBackward: (inputs, attrs) => runKernel(AttentionBackward, inputs, attrs),
    defaultSeqs: '256',
  }),
};
