/**
 * The states module: saving and restoring states of vms and their images with real QEMU
 * (re-exports only). Targets are plain data (`StateTarget`); operations take a
 * `StateContext`, return what they did per object, emit events and never print.
 */
export type { ImageTarget, StateTarget, VmTarget } from './state-target.js';
export type { StateContext } from './state-context.js';
export type { StateEvent } from './state-event.js';
export type { StateOp } from './state-op.js';
export type { PolicyChoice, RootOutcome, StateAction, StateResult } from './state-result.js';
export type { BackendName } from './backend-name.js';
export type { StateInfo } from './state-info.js';
export type { ShowResult } from './show-result.js';
export type { CheckResult } from './check-result.js';
export type { StateQuery } from './state-query.js';
export type { RunningVm } from './running-vm.js';
export type { Policy } from './parse-policy.js';
export type { StateManifest, StateManifestInput } from './state-manifest.js';
export type { StateInspection } from './state-inspection.js';
export type { StateTrust } from './state-trust.js';
export type { Recovery } from './recovery.js';
export type { LockHolder } from './lock-holder.js';
export type { StoredState } from './stored-state.js';
export type { VerifyEntry, VerifyProblem, VerifyReport } from './verify-report.js';
export type { GcOptions } from './gc-options.js';
export type { GcDecision, GcReport } from './gc-report.js';
export { StateAbortError, type StateAbortDetails } from './state-abort-error.js';
export { StateLocks } from './state-locks.js';
export { StateLockedError } from './state-locked-error.js';
export { describeLockHolder } from './describe-lock-holder.js';
export { POLICY_RULES, type PolicyKind } from './policy-rules.js';
export { parsePolicy } from './parse-policy.js';

export { showStates } from './show-states.js';
export { checkStates } from './check-states.js';
export { probeStates } from './probe-states.js';
export { inspectStates } from './inspect-states.js';
export { lockObjects } from './lock-objects.js';
export { recoverStates } from './recover-states.js';
export { listStoredStates } from './list-stored-states.js';
export { verifyStates } from './verify-states.js';
export { gcStates } from './gc-states.js';
export { planGc, type GcPlan } from './plan-gc.js';
export { getStates } from './get-states.js';
export { setStates } from './set-states.js';
export { unsetStates } from './unset-states.js';
export { pushStates } from './push-states.js';
export { popStates } from './pop-states.js';
export { createRoots } from './create-roots.js';
export { cleanRoots } from './clean-roots.js';
export { convertRawImage } from './convert-raw-image.js';
export { bootVms } from './boot-vms.js';
export { shutdownVms } from './shutdown-vms.js';
export { bootVm } from './boot-vm.js';
export { shutdownVm } from './shutdown-vm.js';
export { findVm } from './find-vm.js';

export { imagePath } from './image-path.js';
export { imageFormatOf } from './image-format-of.js';
export { poolDir } from './pool-dir.js';
export { vmRunDir, type VmRunDir } from './vm-run-dir.js';
