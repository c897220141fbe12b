import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isStateName } from './is-state-name.js';
import { readDirOrEmpty } from './read-dir-or-empty.js';
import type { StateInfo } from './state-info.js';

const SUFFIX = '.qcow2';

/**
 * The states in a pool directory: `<state>.qcow2` files whose name is a valid state name
 * (temporary files end in `.tmp` and are never listed), sorted by name. A missing directory
 * has none.
 */
export async function listPool(dir: string): Promise<StateInfo[]> {
  const states: StateInfo[] = [];
  for (const entry of (await readDirOrEmpty(dir)).sort()) {
    if (!entry.endsWith(SUFFIX)) continue;
    const name = entry.slice(0, -SUFFIX.length);
    if (!isStateName(name)) continue;
    try {
      const s = await stat(join(dir, entry));
      if (!s.isFile()) continue;
      states.push({ name, fileBytes: s.size, date: s.mtime.toISOString() });
    } catch (error) {
      // Removed while we listed: not there.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return states;
}
