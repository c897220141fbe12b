import { readFile, stat } from 'node:fs/promises';
import type { StateManifest } from './state-manifest.js';
import { parseManifest } from './parse-manifest.js';

/** A manifest file as read: the manifest, or why it is unusable; its time stamp either way. */
export interface ManifestRead {
  readonly manifest?: StateManifest;
  readonly problem?: string;
  /** The file's modification time: when the state was last saved or restored. */
  readonly touchedAt: string;
}

/** Reads the manifest at `file`; `undefined` when there is none. */
export async function readManifest(file: string): Promise<ManifestRead | undefined> {
  let text: string;
  let touchedAt: string;
  try {
    [text, touchedAt] = await Promise.all([
      readFile(file, 'utf8'),
      stat(file).then((s) => s.mtime.toISOString()),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})`, touchedAt };
  }
  const parsed = parseManifest(value);
  return parsed.manifest === undefined
    ? { problem: parsed.problem, touchedAt }
    : { manifest: parsed.manifest, touchedAt };
}
