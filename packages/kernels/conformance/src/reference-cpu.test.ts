/** The reference CPU backend passes its own conformance suite, with no skips. */
import { createCpuBackend } from '@tessera/tensor';
import { describeBackend } from './describe-backend.js';

describeBackend('reference cpu', () => createCpuBackend());
