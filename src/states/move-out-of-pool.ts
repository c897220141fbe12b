import { dirname, isAbsolute, resolve } from 'node:path';
import { imageInfo, rebaseImage } from '../qemu/index.js';
import { moveFile } from './move-file.js';
import type { ResolvedContext } from './resolved-context.js';

/**
 * Moves a file of a pool directory to `to` outside it (the active image): a backing link
 * relative to the pool (a bare state name) is made absolute first, since it would no longer
 * resolve from the new place. A rename where possible (no data copied).
 */
export async function moveOutOfPool(file: string, to: string, ctx: ResolvedContext): Promise<void> {
  const name = (await imageInfo(file, ctx.qemu)).backingFilename;
  if (name !== undefined && name !== '' && !isAbsolute(name) && dirname(to) !== dirname(file)) {
    await rebaseImage(file, {
      ...ctx.qemu,
      backingFile: resolve(dirname(file), name),
      unsafe: true,
    });
  }
  await moveFile(file, to);
}
