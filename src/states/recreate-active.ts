import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createImage } from '../qemu/index.js';
import type { ResolvedContext } from './resolved-context.js';
import { tempPath } from './temp-path.js';

/**
 * Replaces the active image by a new empty qcow2 overlay on `stateFile` (stored by its
 * absolute path: the active image lives outside the pool). The overlay is made under a
 * temporary name and renamed over the old image, so the active image is never half-made.
 */
export async function recreateActive(
  active: string,
  stateFile: string,
  ctx: ResolvedContext,
): Promise<void> {
  await mkdir(dirname(active), { recursive: true });
  const temp = tempPath(dirname(active), basename(active));
  try {
    await createImage(temp, { ...ctx.qemu, backingFile: stateFile, backingFormat: 'qcow2' });
    await rename(temp, active);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
