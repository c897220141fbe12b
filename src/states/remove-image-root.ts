import { rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { imagePath } from './image-path.js';
import type { ResolvedContext } from './resolved-context.js';
import type { ImageTarget } from './state-target.js';

/**
 * Removes an image's root: the active image (with its internal states); external states in the
 * pool stay. Its directory goes too when that leaves it empty (as the reference does).
 */
export async function removeImageRoot(target: ImageTarget, ctx: ResolvedContext): Promise<string> {
  const path = imagePath(target, ctx.cwd);
  await rm(path, { force: true });
  try {
    await rmdir(dirname(path));
  } catch {
    // Not empty (other images, or the base directory itself): leave it.
  }
  ctx.emit({ type: 'image-removed', target: target.id, image: path });
  return `removed ${path}`;
}
