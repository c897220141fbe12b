import pLimit from 'p-limit';
import type { ImageInfo } from '../qemu/index.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import { pathExists } from './path-exists.js';
import type { ResolvedContext } from './resolved-context.js';
import { sharedImageInfo } from './shared-image-info.js';
import type { VmTarget } from './state-target.js';

/**
 * `qemu-img info -U` of every image of a vm (concurrently; `-U` because the vm may be running
 * and holding them), or `undefined` when one of them is missing or raw: such a vm has no
 * vm states.
 */
export async function vmImageInfos(
  target: VmTarget,
  ctx: ResolvedContext,
): Promise<{ image: string; info: ImageInfo }[] | undefined> {
  if (target.images.length === 0) return undefined;
  const paths: string[] = [];
  for (const image of target.images) {
    if (imageFormatOf(image) !== 'qcow2') return undefined;
    const path = imagePath(image, ctx.cwd);
    if (!(await pathExists(path))) return undefined;
    paths.push(path);
  }
  const limit = pLimit(ctx.concurrency);
  return Promise.all(
    paths.map((image) => limit(async () => ({ image, info: await sharedImageInfo(image, ctx) }))),
  );
}
