import { readdir } from 'node:fs/promises';
import { isStateName } from './is-state-name.js';

const MARKER = /^\.(.+)\.writing$/;

/** The states that have an in-progress marker in a record directory (none if it is missing). */
export async function findMarkers(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  return entries
    .map((e) => MARKER.exec(e)?.[1])
    .filter((s): s is string => s !== undefined && isStateName(s))
    .sort();
}
