/** states/maintenance: the public face of this folder (re-exports only). */
export { type VerifyEntry, type VerifyProblem, type VerifyReport, verifyStates } from './verify.js';
export { type GcDecision, type GcOptions, type GcReport, gcStates } from './gc.js';
export { type GcPlan, planGc } from './plan-gc.js';
