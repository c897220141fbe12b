import { QemuError } from '../errors.js';
import type { QemuCallOptions } from './qemu-call-options.js';
import { isVmProcess } from './is-vm-process.js';
import { readPidFile } from './read-pid-file.js';
import { readVmRunState } from './read-vm-run-state.js';
import { removeRunFiles } from './remove-run-files.js';
import { repairLeaks } from './repair-leaks.js';
import type { ImageRepair } from './repair-leaks.js';
import { vmRunPaths } from './vm-run-paths.js';

/** What {@link cleanStaleRunDir} found and did. */
export interface StaleRunDirCleanup {
  /** Whether the directory described a vm (that is gone). */
  found: boolean;
  /** The leak repairs of that vm's images. */
  repairs: ImageRepair[];
}

/**
 * Cleans up after a vm that died without `stop()` (killed, crashed, host rebooted): repairs
 * leaked clusters of its images and removes the run files. Throws `QEMU_VM` if the vm is in
 * fact still running.
 */
export async function cleanStaleRunDir(
  runDir: string,
  options: QemuCallOptions = {},
): Promise<StaleRunDirCleanup> {
  const paths = vmRunPaths(runDir);
  const state = await readVmRunState(paths.stateFile);
  if (state === undefined) {
    await removeRunFiles(paths);
    return { found: false, repairs: [] };
  }
  const pid = (await readPidFile(paths.pidFile)) ?? state.pid;
  if (isVmProcess(pid, state.command)) {
    throw new QemuError('QEMU_VM', `the vm in ${paths.runDir} is still running (pid ${pid})`, {
      hint: 'attach to it and stop it instead',
    });
  }
  const repairs = await repairLeaks(
    state.drives.map((d) => d.file),
    options,
  );
  await removeRunFiles(paths);
  return { found: true, repairs };
}
