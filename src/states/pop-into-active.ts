import { rename } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { StateError } from '../errors.js';
import { commitImage, imageInfo, rebaseImage } from '../qemu/index.js';
import { moveFile } from './move-file.js';
import type { ResolvedContext } from './resolved-context.js';
import { tempPath } from './temp-path.js';

/**
 * Removes `stateFile`, which the active image is built on directly and nothing else is, while
 * keeping the active image's content: the state leaves the pool under a temporary name (it is
 * gone in one rename), the active image's changes are committed into it, and it replaces the
 * active image. The inverse of saving a state by moving the image into the pool, and as cheap.
 */
export async function popIntoActive(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  const dir = dirname(stateFile);
  const temp = tempPath(dir, basename(stateFile));
  await rename(stateFile, temp);
  let committed = false;
  try {
    await rebaseImage(active, { ...ctx.qemu, backingFile: temp, unsafe: true });
    await commitImage(active, ctx.qemu);
    committed = true;
    // It leaves the pool: a backing name relative to the pool must become absolute.
    const info = await imageInfo(temp, ctx.qemu);
    const name = info.backingFilename;
    if (name !== undefined && name !== '' && !isAbsolute(name)) {
      await rebaseImage(temp, { ...ctx.qemu, backingFile: resolve(dir, name), unsafe: true });
    }
    await moveFile(temp, active);
  } catch (error) {
    if (committed) {
      throw new StateError(
        'STATE_CORRUPT',
        `removing ${stateFile} failed half-way; the image's content is in ${temp}`,
        { cause: error, hint: `move ${temp} to ${active} by hand` },
      );
    }
    await rename(temp, stateFile).catch(() => undefined);
    await rebaseImage(active, { ...ctx.qemu, backingFile: stateFile, unsafe: true }).catch(
      () => undefined,
    );
    throw error;
  }
}
