import { isProcessAlive } from '../qemu/index.js';

/**
 * Whether files a process named by pid left behind may be cleaned up: it is this process
 * (which holds the locks that make it the only writer) or a process that is gone. Files of
 * another live process are never touched.
 */
export function isAbandonedPid(pid: number): boolean {
  return pid === process.pid || !isProcessAlive(pid);
}
