import { rm, rmdir } from 'node:fs/promises';
import type { VmRunPaths } from './vm-run-paths.js';

/**
 * Removes the files cartograph and QEMU keep in a run directory, then the directory itself if
 * nothing else is in it (a caller's own files are left alone).
 */
export async function removeRunFiles(paths: VmRunPaths): Promise<void> {
  // The state file goes first: without it nobody will take the directory for a live vm.
  for (const file of [paths.stateFile, paths.socket, paths.pidFile, paths.log]) {
    await rm(file, { force: true });
  }
  try {
    await rmdir(paths.runDir);
  } catch {
    // Not empty or already gone: both fine.
  }
}
