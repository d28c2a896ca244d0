/** The shared backend test suites (fused kernels beyond the per-definition cases), one function each. */
export {
  describeOptimizerSteps, LionStepDef, AdamStepDef, OPTIMIZER_STEP_KERNELS, type LionStepAttrs, type AdamStepAttrs, type OptimizerStepsOptions,
} from './optimizer-steps.js';
export {
  describeAttention, ATTENTION_CASES, attentionCaseLabel, relativeError, type AttentionAttrs, type AttentionCase, type AttentionDefinitions,
  type AttentionBackendRequest, type AttentionSuiteOptions,
} from './attention.js';
export { describeBackwardKernels, type BackwardKernelsRequest, type BackwardKernelsOptions } from './backward-kernels.js';
export { describeGemm, GEMM_LAYOUT_CASES, type GemmCase, type GemmBackendRequest, type GemmOptions } from './gemm.js';
export {
  describeMptFixtures, type MptFixtureModel, type MptFixtureDefinitions, type MptFixturesOptions,
} from './mpt-fixtures.js';
