import { link, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StateError } from '../errors.js';
import { imageInfo, rebaseImage } from '../qemu/index.js';
import { backingNameFor } from './backing-name-for.js';
import { backingOf } from './backing-of.js';
import { moveFile } from './move-file.js';
import { recreateActive } from './recreate-active.js';
import type { ResolvedContext } from './resolved-context.js';
import { tempPath } from './temp-path.js';

/**
 * Saves the active image as the pool file `stateFile` without copying its data: the image is
 * moved into the pool under a temporary name (a rename; a copy only across filesystems), its
 * backing link rewritten for its new place (same-directory names stay bare), and published
 * under the state's name with one atomic step (`link`, which never replaces a state that
 * appeared meanwhile, or `rename` over the old state when `replace`). The active image then
 * becomes an empty overlay on the new state, so the state is a link of a chain: its backing
 * file is the state it was built on. Resolves with whether data had to be copied.
 */
export async function publishActive(
  active: string,
  stateFile: string,
  replace: boolean,
  ctx: ResolvedContext,
): Promise<boolean> {
  const dir = dirname(stateFile);
  const info = await imageInfo(active, ctx.qemu);
  const backing = backingOf(active, info);
  const temp = tempPath(dir, basename(stateFile));
  const copied = await moveFile(active, temp);
  let relinked = false;
  try {
    if (backing !== undefined && backingNameFor(dir, backing) !== info.backingFilename) {
      await rebaseImage(temp, {
        ...ctx.qemu,
        backingFile: backingNameFor(dir, backing),
        unsafe: true,
      });
      relinked = true;
    }
    if (replace) {
      await rename(temp, stateFile);
    } else {
      try {
        await link(temp, stateFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new StateError('STATE_REFUSED', `${stateFile} appeared while it was being saved`);
      }
      await rm(temp);
    }
  } catch (error) {
    // Put the active image back as it was; the state was not published.
    if (relinked && backing !== undefined) {
      await rebaseImage(temp, { ...ctx.qemu, backingFile: backing, unsafe: true }).catch(
        () => undefined,
      );
    }
    await moveFile(temp, active).catch(() => undefined);
    throw error;
  }
  await recreateActive(active, stateFile, ctx);
  return copied;
}
