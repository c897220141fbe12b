import { locateVm } from './locate-vm.js';
import { resolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';
import type { StateContext } from './state-context.js';
import type { StateTarget } from './state-target.js';

/**
 * The running vm of a target (a vm, or the vm an image belongs to), found through its run
 * directory without taking its QMP monitor; `undefined` when it is not running (the leftovers
 * of a vm that died are cleaned up on the way). `qmpSocket` is what `CARTOGRAPH_QMP_<VM>`
 * should point at.
 */
export function findVm(target: StateTarget, ctx: StateContext): Promise<RunningVm | undefined> {
  return locateVm(target.vmId, resolvedContext(ctx));
}
