import { constants } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { tempPath } from './temp-path.js';

/**
 * Moves `from` to `to`, replacing `to` atomically: a rename when both are on one filesystem
 * (no data is copied), else a copy (a reflink where the filesystem can) to a temporary name
 * next to `to`, a rename into place, and the removal of `from`. Resolves with whether data
 * had to be copied.
 */
export async function moveFile(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
  }
  const temp = tempPath(dirname(to), basename(to));
  try {
    await copyFile(from, temp, constants.COPYFILE_FICLONE);
    await rename(temp, to);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await rm(from, { force: true });
  return true;
}
