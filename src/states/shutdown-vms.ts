import { resolvedContext } from './resolved-context.js';
import { runRootOps } from './run-root-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { VmTarget } from './state-target.js';

/**
 * `shutdown`: removes the vms' root `boot` under `unset_mode` (default `fi`): a running vm is
 * stopped cleanly (QMP `quit`, then signals; leaked clusters repaired after a kill), a stopped
 * one ignored.
 */
export function shutdownVms(
  targets: readonly VmTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(targets, { op: 'shutdown', mode: 'remove' }, resolvedContext(ctx));
}
