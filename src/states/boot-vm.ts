import { createImageRoot } from './create-image-root.js';
import { imagePath } from './image-path.js';
import { lockKeys } from './lock-keys.js';
import { withObjectLocks } from './with-object-locks.js';
import { pathExists } from './path-exists.js';
import { resolvedContext } from './resolved-context.js';
import type { RunningVm } from './running-vm.js';
import { startVm } from './start-vm.js';
import type { StateContext } from './state-context.js';
import type { VmTarget } from './state-target.js';

/**
 * Boots a vm unless it runs already (missing images are created first), detached: it keeps
 * running after this returns, and `findVm` finds it again from any process. No policy: the
 * scheduler's "make sure it runs".
 */
export async function bootVm(target: VmTarget, ctx: StateContext): Promise<RunningVm> {
  const rctx = resolvedContext(ctx);
  return withObjectLocks(
    [target],
    lockKeys(target, rctx.cwd),
    `boot ${target.id}`,
    rctx,
    async () => {
      for (const image of target.images) {
        if (!(await pathExists(imagePath(image, rctx.cwd)))) await createImageRoot(image, rctx);
      }
      return (await startVm(target, rctx)).vm;
    },
  );
}
