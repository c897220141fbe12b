/** states/locks: the public face of this folder (re-exports only). */
export {
  StateLocks,
  lockObjects,
  StateLockedError,
  lockKeys,
  withObjectLocks,
  withPoolLocks,
} from './object-locks.js';
export { type LockFile, lockFileOf, LockFiles } from './lock-files.js';
export {
  describeLockHolder,
  type LockHolder,
  isHolderAlive,
  parseLockHolder,
  processIdentity,
} from './lock-holder.js';
