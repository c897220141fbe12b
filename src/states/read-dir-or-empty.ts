import { readdir } from 'node:fs/promises';

/**
 * The entry names of `dir`, none when there is no directory at that path (a pool or record
 * directory is made by the first state saved there); other errors are thrown.
 */
export async function readDirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
