import { imageTargetsOf } from './image-targets-of.js';
import { resolvedContext } from './resolved-context.js';
import { runRootOps } from './run-root-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * `clean`: removes the images' roots (the active images; a running vm is stopped first) under
 * `unset_mode` (default `fi`: remove what is there, ignore what is missing). External states
 * in the pool stay. A vm target stands for all its images.
 */
export function cleanRoots(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(imageTargetsOf(targets), { op: 'clean', mode: 'remove' }, resolvedContext(ctx));
}
