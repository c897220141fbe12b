import { StateError } from '../errors.js';
import { locateVm } from './locate-vm.js';
import type { ResolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';
import type { VmTarget } from './state-target.js';

/** The running vm of a target; `STATE_MISSING` (its root `boot` is missing) when it is off. */
export async function requireRunningVm(
  target: VmTarget,
  state: string,
  ctx: ResolvedContext,
): Promise<RunningVm> {
  const running = await locateVm(target.vmId, ctx);
  if (running === undefined) {
    throw new StateError(
      'STATE_MISSING',
      `${target.id} is not running: vm state "${state}" needs the vm booted`,
      {
        hint: 'boot it (cartograph boot), or let check_mode create the root (its default rf does)',
      },
    );
  }
  return running;
}
