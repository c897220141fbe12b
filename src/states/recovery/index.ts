/** states/recovery: the public face of this folder (re-exports only). */
export { type Recovery, describeRecoveries, guardedWrite } from './guarded-write.js';
export {
  recoverImageSnapshot,
  recoverRamfile,
  recoverStates,
  recoverTarget,
  recoverVmState,
} from './recover.js';
export { recoverQcow2ext, isAbandonedPid } from './recover-qcow2ext.js';
