import { isProcessAlive } from '../qemu/index.js';
import type { LockHolder } from './lock-holder.js';
import { processIdentity } from './process-identity.js';
import { processStartTime } from './process-start-time.js';

/**
 * Whether the holder of a lock (or the writer of a marker) may still be alive. Only a holder
 * on this host, in this pid namespace, can be judged: it is dead when the machine rebooted
 * since (another boot id), its pid is gone, or its pid now belongs to a process started at
 * another time (a reused pid). Anything that cannot be judged counts as alive, so that a lock
 * is never taken from a process that may still work.
 */
export function isHolderAlive(holder: LockHolder): boolean {
  const me = processIdentity();
  if (holder.host !== me.host) return true;
  // pid 0 marks an unreadable record; kill(0) would ask about our own process group.
  if (holder.pid <= 0) return false;
  if (holder.boot !== undefined && me.boot !== undefined && holder.boot !== me.boot) return false;
  if (holder.pidns !== undefined && me.pidns !== undefined && holder.pidns !== me.pidns) {
    return true;
  }
  if (!isProcessAlive(holder.pid)) return false;
  if (holder.start !== undefined) {
    const start = processStartTime(holder.pid);
    if (start !== undefined && start !== holder.start) return false;
  }
  return true;
}
