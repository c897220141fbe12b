import { imageTargetsOf } from './image-targets-of.js';
import { resolvedContext } from './resolved-context.js';
import { runRootOps } from './run-root-ops.js';
import type { StateContext } from './state-context.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';

/**
 * `create`: makes the images' roots under `check_mode` (default `rf`: an existing image is
 * kept, a missing one created with `image_size` or converted from `raw_image`; `f` first
 * recreates an existing one). A vm target stands for all its images.
 */
export function createRoots(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(imageTargetsOf(targets), { op: 'create', mode: 'make' }, resolvedContext(ctx));
}
