import { lstat } from 'node:fs/promises';
import { QemuError } from '../errors.js';

/**
 * Throws `QEMU_IMAGE_EXISTS` when `path` exists: `qemu-img create` and `convert` replace an
 * existing (unlocked) file without a word, which would silently destroy a state.
 */
export async function assertTargetFree(path: string, what: string): Promise<void> {
  try {
    await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  throw new QemuError('QEMU_IMAGE_EXISTS', `${what} target ${path} already exists`, {
    hint: 'pass overwrite: true to replace it',
  });
}
