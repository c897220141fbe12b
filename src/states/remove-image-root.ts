import { rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { imagePath } from './image-path.js';
import { lockFileOf } from './lock-file-of.js';
import type { ResolvedContext } from './resolved-context.js';
import { sidecarDir } from './sidecar-dir.js';
import type { ImageTarget } from './state-target.js';

/**
 * Removes an image's root: the active image with its internal states and their records (the
 * sidecar directory); external states in the pool stay. Its directory goes too when that
 * leaves it empty (as the reference does): now, or when the image's lock file, the last thing
 * in it, goes at the end of the operation.
 */
export async function removeImageRoot(target: ImageTarget, ctx: ResolvedContext): Promise<string> {
  const path = imagePath(target, ctx.cwd);
  await rm(path, { force: true });
  await rm(sidecarDir(path), { recursive: true, force: true });
  try {
    await rmdir(dirname(path));
  } catch {
    // Not empty (other images, the base directory itself, or the lock file of this operation).
    ctx.fileLocks.pruneOnRelease(lockFileOf(`image:${path}`, ctx.runDir).file);
  }
  ctx.emit({ type: 'image-removed', target: target.id, image: path });
  return `removed ${path}`;
}
