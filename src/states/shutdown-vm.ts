import type { VmStopResult } from '../qemu/index.js';
import { lockKeys } from './lock-keys.js';
import { withObjectLocks } from './with-object-locks.js';
import { resolvedContext } from './resolved-context.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';
import { stopVm } from './stop-vm.js';

/**
 * Stops the vm of a target (a vm, or the vm an image belongs to) if it runs: QMP `quit`, then
 * SIGTERM, then SIGKILL with leaked clusters repaired, and its run directory removed. Resolves
 * with how it ended, `undefined` when it was not running. No policy.
 */
export async function shutdownVm(
  target: StateTarget,
  ctx: StateContext,
  reason = 'asked to shut down',
): Promise<VmStopResult | undefined> {
  const rctx = resolvedContext(ctx);
  return withObjectLocks([target], lockKeys(target, rctx.cwd), `shutdown ${target.id}`, rctx, () =>
    stopVm(target.vmId, reason, rctx),
  );
}
