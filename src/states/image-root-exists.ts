import { imagePath } from './image-path.js';
import { locateVm } from './locate-vm.js';
import { pathExists } from './path-exists.js';
import type { ResolvedContext } from './resolved-context.js';
import type { ImageTarget } from './state-target.js';

/** An image's root: the image exists and its vm is not running (image states need it off). */
export async function imageRootExists(target: ImageTarget, ctx: ResolvedContext): Promise<boolean> {
  if (!(await pathExists(imagePath(target, ctx.cwd)))) return false;
  return (await locateVm(target.vmId, ctx)) === undefined;
}
