import { cleanStaleRunDir } from '../qemu/index.js';
import { findRunningVm } from '../qemu/find-running-vm.js';
import type { ResolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';
import { vmRunDir } from './vm-run-dir.js';

/**
 * The running vm of `vmId`, or `undefined`. A run directory left by a vm that died is cleaned
 * on the way (its images get their leaked clusters repaired), so that a dead vm never keeps
 * an image "in use".
 */
export async function locateVm(vmId: string, ctx: ResolvedContext): Promise<RunningVm | undefined> {
  const { dir } = vmRunDir(ctx.runDir, vmId);
  const found = await findRunningVm(dir);
  switch (found.status) {
    case 'none':
      return undefined;
    case 'stale': {
      const cleanup = await cleanStaleRunDir(dir, ctx.qemu);
      ctx.emit({
        type: 'vm-stale-cleaned',
        target: vmId,
        runDir: dir,
        repaired: cleanup.repairs.filter((r) => r.result !== undefined).map((r) => r.file),
      });
      return undefined;
    }
    case 'running':
      return {
        vmId,
        pid: found.pid,
        runDir: found.paths.runDir,
        qmpSocket: found.paths.socket,
        images: found.state.drives.map((d) => d.file),
      };
  }
}
