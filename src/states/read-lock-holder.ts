import { readFile, stat } from 'node:fs/promises';
import type { LockHolder } from './lock-holder.js';
import { parseLockHolder } from './parse-lock-holder.js';

/** The holder recorded in a lock file or marker; `undefined` when there is no such file. */
export async function readLockHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return parseLockHolder(text, info.mtime.toISOString());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
