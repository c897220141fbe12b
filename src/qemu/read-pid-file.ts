import { readFile } from 'node:fs/promises';

/** The pid in a QEMU pid file, or `undefined` when the file is missing or not a pid. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
