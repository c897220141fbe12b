import { QemuVm } from '../qemu/index.js';
import type { VmStopResult } from '../qemu/index.js';
import { locateVm } from './locate-vm.js';
import type { ResolvedContext } from './resolved-context.js';

/**
 * Stops the running vm of `vmId` cleanly (QMP `quit`, escalating to signals; leaked clusters
 * repaired after a kill) and removes its run directory. `undefined` when it was not running.
 */
export async function stopVm(
  vmId: string,
  reason: string,
  ctx: ResolvedContext,
): Promise<VmStopResult | undefined> {
  const running = await locateVm(vmId, ctx);
  if (running === undefined) return undefined;
  const vm = await QemuVm.attach(running.runDir, { signal: ctx.signal });
  const result = await vm.stop();
  ctx.emit({
    type: 'vm-stopped',
    target: vmId,
    method: result.method,
    reason,
    repaired: result.repairs.filter((r) => r.result !== undefined).map((r) => r.file),
  });
  return result;
}
