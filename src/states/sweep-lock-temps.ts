import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from '../qemu/index.js';

/**
 * Removes the temporary files (`<lock>.<pid>.<hex>.tmp`, see `createExclusive`) that processes
 * killed while creating lock file `file` left beside it. Called by the holder of the lock, so
 * no live process is creating it meanwhile; temporary files of live processes stay anyway.
 */
export async function sweepLockTemps(file: string): Promise<void> {
  const name = basename(file);
  const dir = dirname(file);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`) || !entry.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(entry.slice(name.length + 1));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await unlink(join(dir, entry)).catch(() => undefined);
  }
}
