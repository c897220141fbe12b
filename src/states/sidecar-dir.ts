import { basename, dirname, join } from 'node:path';

/**
 * The hidden directory next to an image that keeps cartograph's records of the internal states
 * in it (`.<image file>.states`): manifests and in-progress markers of its image states
 * (`images/`) and, for a vm's first image, of the vm's states (`vms/`). It goes with the image
 * when the image is removed.
 */
export function sidecarDir(image: string): string {
  return join(dirname(image), `.${basename(image)}.states`);
}
