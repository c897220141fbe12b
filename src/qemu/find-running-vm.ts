import { isVmProcess } from './is-vm-process.js';
import { readPidFile } from './read-pid-file.js';
import { readVmRunState } from './read-vm-run-state.js';
import { vmRunPaths } from './vm-run-paths.js';
import type { VmRunPaths } from './vm-run-paths.js';
import type { VmRunState } from './vm-run-state.js';

/**
 * What a run directory holds: no vm (`none`), the leftovers of a vm that is gone (`stale`:
 * its images may need `cleanStaleRunDir`), or a vm that runs (`running`).
 */
export type RunDirStatus =
  | { readonly status: 'none'; readonly paths: VmRunPaths }
  | { readonly status: 'stale'; readonly paths: VmRunPaths; readonly state: VmRunState }
  | {
      readonly status: 'running';
      readonly paths: VmRunPaths;
      readonly state: VmRunState;
      readonly pid: number;
    };

/**
 * Looks at a run directory without connecting to QMP (QEMU serves one client at a time, so
 * asking "is it running?" must not take the monitor from whoever holds it). A vm counts as
 * running only when its pid is alive and runs the recorded command line.
 */
export async function findRunningVm(runDir: string): Promise<RunDirStatus> {
  const paths = vmRunPaths(runDir);
  const state = await readVmRunState(paths.stateFile);
  if (state === undefined) return { status: 'none', paths };
  const pid = (await readPidFile(paths.pidFile)) ?? state.pid;
  return isVmProcess(pid, state.command)
    ? { status: 'running', paths, state, pid }
    : { status: 'stale', paths, state };
}
