import { constants } from 'node:fs';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { syncDir } from './sync-dir.js';
import { tempPath } from './temp-path.js';

/**
 * Moves `from` to `to`, replacing `to` atomically: a rename when both are on one filesystem
 * (no data is copied), else a copy (a reflink where the filesystem can) to a temporary name
 * next to `to`, synced, a rename into place, and the removal of `from`. The directory of `to`
 * is synced, so the move is durable before a manifest describes it. Resolves with whether data
 * had to be copied.
 */
export async function moveFile(from: string, to: string): Promise<boolean> {
  let renamed = true;
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    renamed = false;
  }
  if (renamed) {
    await syncDir(dirname(to));
    return false;
  }
  const temp = tempPath(dirname(to), basename(to));
  try {
    await copyFile(from, temp, constants.COPYFILE_FICLONE);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, to);
    await syncDir(dirname(to));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await rm(from, { force: true });
  return true;
}
