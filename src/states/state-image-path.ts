import { StateError } from '../errors.js';
import { imageFormatOf } from './image-format-of.js';
import { imagePath } from './image-path.js';
import type { ImageTarget } from './state-target.js';

/**
 * The active image of a target that is to hold or receive states: it must be qcow2 (raw images
 * have neither internal snapshots nor backing files), else `STATE_BAD_BACKEND`.
 */
export function stateImagePath(target: ImageTarget, cwd: string): string {
  if (imageFormatOf(target) !== 'qcow2') {
    throw new StateError(
      'STATE_BAD_BACKEND',
      `${target.id} is a raw image (image_format = raw): it cannot hold states`,
    );
  }
  return imagePath(target, cwd);
}
