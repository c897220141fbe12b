import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { locateVm } from './locate-vm.js';
import { pathExists } from './path-exists.js';
import type { ResolvedContext } from './resolved-context.js';
import type { StateTarget } from './state-target.js';

/** For listings: the image exists (whether its vm runs or not), or the vm runs. */
export async function rootPresent(target: StateTarget, ctx: ResolvedContext): Promise<boolean> {
  if (target.kind === 'vms') return (await locateVm(target.vmId, ctx)) !== undefined;
  imageFormatOf(target);
  return pathExists(imagePath(target, ctx.cwd));
}
