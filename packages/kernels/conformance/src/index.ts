/**
 * @tessera/kernels-conformance: the suite every Tessera backend runs. Cases for every kernel
 * definition, float64 references on the reference CPU backend, tolerances derived from the dtype,
 * and finite-difference gradient checks.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from '@tessera/tensor';
 * import { describeBackend } from '@tessera/kernels-conformance';
 *
 * describeBackend('reference cpu', () => createCpuBackend());
 * ```
 */
export { describeBackend, GRADIENT_DTYPES, type DescribeBackendOptions } from './describe-backend.js';
export { conformanceCases } from './cases/index.js';
export {
  ALL_FLOAT_DTYPES, DEFAULT_CASE_DTYPES, compositeCase, isDifferentiableCase, kernelCall, type ConformanceCase, type KernelCall,
} from './case.js';
export { coverageProblems, TEST_ONLY_PREFIX } from './coverage.js';
export {
  gradCheck, expectGradClose, describeGradCheck, DEFAULT_GRAD_CHECK_EPS, DEFAULT_GRAD_CHECK_TOLERANCE,
  type GradCheckOptions, type GradCheckResult, type GradCheckWorst,
} from './grad-check.js';
export { MACHINE_EPSILON, toleranceFor, compareValues, type Mismatch } from './tolerance.js';
export { UPSTREAM_SEED, assertClose, checkCaseForward, checkCaseGradients, checkDecomposition } from './run-case.js';
export { onBackend, type HostTensor } from './host.js';
/** Seeded input builders for writing cases (`inputs.normal([2, 3], seed)`, `inputs.positive`, ...). */
export * as inputs from './cases/inputs.js';
export {
  describeOptimizerSteps, LionStepDef, AdamStepDef, OPTIMIZER_STEP_KERNELS, type LionStepAttrs, type AdamStepAttrs, type OptimizerStepsOptions,
  describeAttention, ATTENTION_CASES, attentionCaseLabel, relativeError, type AttentionAttrs, type AttentionCase, type AttentionDefinitions,
  type AttentionBackendRequest, type AttentionSuiteOptions,
  describeBackwardKernels, type BackwardKernelsRequest, type BackwardKernelsOptions,
  describeGemm, GEMM_LAYOUT_CASES, type GemmCase, type GemmBackendRequest, type GemmOptions,
  describeMptFixtures, type MptFixtureModel, type MptFixtureDefinitions, type MptFixturesOptions,
} from './suites/index.js';
