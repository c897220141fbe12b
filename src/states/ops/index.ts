/** states/ops: the public face of this folder (re-exports only). */
export {
  type ResolvedContext,
  type StateContext,
  type StateEvent,
  type StateOp,
  resolvedContext,
} from './context.js';
export {
  isStateName,
  parsePolicy,
  type Policy,
  POLICY_RULES,
  type PolicyKind,
  assertStateName,
  isRootState,
  rootStateOf,
} from './policy.js';
export {
  type CheckResult,
  type PolicyChoice,
  type RootOutcome,
  type ShowResult,
  type StateAbortDetails,
  StateAbortError,
  type StateAction,
  type StateQuery,
  type StateResult,
} from './results.js';
export { checkStates, showStates } from './show.js';
export { getStates, popStates, pushStates, setStates, unsetStates } from './state-ops.js';
export { bootVms, cleanRoots, createRoots, shutdownVms } from './root-ops.js';
export { convertRawImage } from './convert.js';
