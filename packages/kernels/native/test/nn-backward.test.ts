/**
 * The fused backward kernels (GeluBackward, LayerNormBackward, CrossEntropyBackward) on shapes
 * large enough to be split between threads: the shared suite `describeBackwardKernels` of
 * @tessera/kernels-conformance, with the float32 check on every ISA path this machine runs (float64
 * against the reference closely, 1 and 2 threads bit-identical, invalid targets rejected). The
 * small shapes and edge cases are in the conformance suite.
 */
import { describeBackwardKernels } from '@tessera/kernels-conformance';
import { createNativeBackend, nativeStatus } from '../src/index.js';

const status = nativeStatus();
const isas = status.available ? status.isas.filter((i) => i.available).map((i) => i.name) : [];

describeBackwardKernels('native', ({ threads, path }) => {
  const isa = path === undefined ? undefined : isas.find((name) => name === path);
  if (path !== undefined && isa === undefined) throw new Error(`nn-backward test: ISA path '${path}' is not available here`);
  return createNativeBackend({ ...(isa === undefined ? {} : { isa }), threads, fallback: 'throw' });
}, status.available ? { paths: isas } : { skip: status.reason });
