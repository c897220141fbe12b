/**
 * The states module: saving and restoring states of vms and their images with real QEMU
 * (re-exports only). Targets are plain data (`StateTarget`); operations take a
 * `StateContext`, return what they did per object, emit events and never print.
 */
export type { ImageTarget, StateTarget, VmTarget } from './target.js';
export {
  bootVms,
  type CheckResult,
  checkStates,
  cleanRoots,
  convertRawImage,
  createRoots,
  getStates,
  parsePolicy,
  type Policy,
  POLICY_RULES,
  type PolicyChoice,
  type PolicyKind,
  popStates,
  pushStates,
  type RootOutcome,
  setStates,
  type ShowResult,
  showStates,
  shutdownVms,
  type StateAbortDetails,
  StateAbortError,
  type StateAction,
  type StateContext,
  type StateEvent,
  type StateOp,
  type StateQuery,
  type StateResult,
  unsetStates,
} from './ops/index.js';
export { backendFor, type BackendName, type StateInfo } from './backends/index.js';
export {
  bootVm,
  consoleTail,
  execInGuest,
  findVm,
  GUEST_ACCESS,
  type GuestAccess,
  type GuestAccessSpec,
  guestAccessOf,
  type GuestCallOptions,
  kvmUsable,
  readGuestFile,
  type RunningVm,
  shutdownVm,
  stopVmsUnder,
  vmHardware,
  type VmHardwareSpec,
  vmRunDir,
  type VmRunDir,
  withSerialConsole,
  writeGuestFile,
} from './vms/index.js';
export {
  inspectStates,
  probeStates,
  type StateInspection,
  type StateManifest,
  type StateManifestInput,
  type StateTrust,
} from './records/index.js';
export { recoverStates, type Recovery } from './recovery/index.js';
export {
  describeLockHolder,
  isHolderAlive,
  type LockHolder,
  lockObjects,
  processIdentity,
  StateLockedError,
  StateLocks,
} from './locks/index.js';
export {
  imageFormatOf,
  imagePath,
  listStoredStates,
  poolDir,
  type StoredState,
} from './pool/index.js';
export {
  type GcDecision,
  type GcOptions,
  type GcPlan,
  type GcReport,
  gcStates,
  planGc,
  type VerifyEntry,
  type VerifyProblem,
  type VerifyReport,
  verifyStates,
} from './maintenance/index.js';
