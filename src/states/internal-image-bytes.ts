import { stat } from 'node:fs/promises';
import { imagePath } from './image-path.js';
import type { StateTarget } from './state-target.js';

/**
 * The bytes of the image files that hold a target's internal states (the image, or every
 * image of a vm): compared before and after a save, the growth is what the save took.
 */
export async function internalImageBytes(target: StateTarget, cwd: string): Promise<number> {
  const images = target.kind === 'images' ? [target] : target.images;
  let total = 0;
  for (const image of images) {
    try {
      total += (await stat(imagePath(image, cwd))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return total;
}
