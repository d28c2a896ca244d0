/**
 * The conformance suite on the WASM backend, on the calling thread only (threads: 1) and with one
 * worker thread (threads: 2, so matmuls large enough are split between the two).
 */
import { describeBackend } from '@tessera/kernels-conformance';
import { createWasmBackend } from '../src/index.js';

describeBackend('wasm (1 thread)', () => createWasmBackend({ threads: 1 }));
describeBackend('wasm (2 threads)', () => createWasmBackend({ threads: 2 }));
