import type { ResolvedVmDrive } from './build-vm-args.js';

/**
 * The JSON state file (`vm.json`) in a vm's run directory: enough for a later process to find
 * the vm again, prove the pid is still that vm, and repair its images if it died.
 */
export interface VmRunState {
  /** Format version of this file. */
  version: 1;
  /** Pid of the qemu-system process. */
  pid: number;
  /** The program and its arguments, exactly as started (compared with /proc/<pid>/cmdline). */
  command: string[];
  drives: ResolvedVmDrive[];
  memoryMiB: number;
  /** Whether it was started with `-S`. */
  paused: boolean;
  /** Whether it was started to outlive the process that started it. */
  detached: boolean;
  /** ISO time of the start. */
  startedAt: string;
}
