import { dirname, resolve } from 'node:path';
import type { ImageInfo } from '../qemu/index.js';

/**
 * The absolute path of an image's backing file, `undefined` for none. QEMU resolves a
 * relative backing name against the directory of the image that stores it.
 */
export function backingOf(image: string, info: ImageInfo): string | undefined {
  const name = info.backingFilename;
  if (name === undefined || name === '') return undefined;
  return resolve(dirname(image), name);
}
