import { rm } from 'node:fs/promises';

/** Removes files that may or may not exist. */
export async function removeFiles(files: readonly string[]): Promise<void> {
  for (const file of files) await rm(file, { force: true });
}
