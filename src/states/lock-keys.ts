import { imagePath } from './image-path.js';
import { poolDir } from './pool-dir.js';
import type { StateTarget } from './state-target.js';

/**
 * The in-process lock keys of an operation on a target: its vm (run directory, QMP), the
 * active image of every image involved, and for qcow2ext the image's pool directory (two
 * variants of a vm may share an active image but not a pool directory, and the other way
 * round).
 */
export function lockKeys(target: StateTarget, cwd: string): string[] {
  const images = target.kind === 'images' ? [target] : target.images;
  const keys = [`vm:${target.vmId}`];
  for (const image of images) {
    keys.push(`image:${imagePath(image, cwd)}`);
    if (image.params.get('states') === 'qcow2ext') keys.push(`pool:${poolDir(image, cwd)}`);
  }
  return keys;
}
