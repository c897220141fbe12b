import { imageInfo } from '../qemu/index.js';
import type { ImageInfo } from '../qemu/index.js';
import type { ResolvedContext } from './resolved-context.js';

/**
 * `qemu-img info -U` of a qcow2 image, for reading its snapshot table (safe while a vm holds
 * the image). Within a batch of read-only questions (`ctx.infoCache`) each image is read once.
 */
export function sharedImageInfo(path: string, ctx: ResolvedContext): Promise<ImageInfo> {
  const read = (): Promise<ImageInfo> => imageInfo(path, { ...ctx.qemu, forceShare: true });
  const cache = ctx.infoCache;
  if (cache === undefined) return read();
  let info = cache.get(path);
  if (info === undefined) {
    info = read();
    cache.set(path, info);
  }
  return info;
}
