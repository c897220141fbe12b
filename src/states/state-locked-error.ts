import { StateError } from '../errors.js';
import { describeLockHolder } from './describe-lock-holder.js';
import type { LockHolder } from './lock-holder.js';

/**
 * A cross-process lock did not come free in time (`STATE_LOCKED`): names the lock file, what it
 * protects and who holds it (pid, host, owner, since when), so a user can tell a long run from
 * a hung one.
 */
export class StateLockedError extends StateError {
  /** The lock file. */
  readonly lockFile: string;
  /** What the lock protects (`image /…/disk.qcow2`, `pool /…/image1`, `vm vm1-tiny`). */
  readonly what: string;
  readonly holder: LockHolder;

  constructor(lockFile: string, what: string, holder: LockHolder, waitedMs: number, why = '') {
    super(
      'STATE_LOCKED',
      `${what} is locked by ${describeLockHolder(holder)}` +
        (why === '' ? `; gave up after ${Math.round(waitedMs)} ms` : `; ${why}`),
      {
        hint:
          `wait for it to finish, or allow a longer wait (lock timeout); the lock file is ${lockFile}, ` +
          'and a lock whose process has died is taken over by the next one who asks',
      },
    );
    this.lockFile = lockFile;
    this.what = what;
    this.holder = holder;
  }
}
