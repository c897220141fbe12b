import { resolvedContext } from './resolved-context.js';
import { runRootOps } from './run-root-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { VmTarget } from './state-target.js';

/**
 * `boot`: makes the vms' root `boot` under `check_mode` (default `rf`: a running vm is kept, a
 * stopped one booted, missing images created first). The vms keep running after this returns
 * (detached), until `shutdownVms` or an image operation stops them.
 */
export function bootVms(targets: readonly VmTarget[], ctx: StateContext): Promise<StateResult[]> {
  return runRootOps(targets, { op: 'boot', mode: 'make' }, resolvedContext(ctx));
}
