import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { syncDir } from './sync-dir.js';
import { tempPath } from './temp-path.js';

/**
 * Writes `value` as JSON to `file` under a temporary name and renames it into place, so that
 * `file` is either the old content or the whole new one, whenever the process dies. The content
 * is synced before the rename and the directory after it: markers and manifests order the
 * write protocol (`guardedWrite`), and that order must survive a power loss too.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = tempPath(dir, basename(file));
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}
