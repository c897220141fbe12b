import { readFile, stat } from 'node:fs/promises';
import type { BackendName } from './backend-name.js';
import { parseLockHolder } from './parse-lock-holder.js';
import type { StateMarker } from './state-marker.js';

/**
 * The marker at `file` of `state` (stored under `backend`); `undefined` when there is none. A
 * marker that cannot be read as one (damaged) still marks the state incomplete: it reads as
 * an interrupted set by a dead writer.
 */
export async function readMarker(
  file: string,
  state: string,
  backend: BackendName,
): Promise<StateMarker | undefined> {
  let text: string;
  let mtime: string;
  try {
    [text, mtime] = await Promise.all([
      readFile(file, 'utf8'),
      stat(file).then((s) => s.mtime.toISOString()),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const holder = parseLockHolder(text, mtime);
  let extra: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) extra = value as Record<string, unknown>;
  } catch {
    // Damaged: the holder says so (pid 0).
  }
  const dependents = Array.isArray(extra.dependents)
    ? extra.dependents.filter((d): d is string => typeof d === 'string')
    : undefined;
  return {
    ...holder,
    op: extra.op === 'unset' ? 'unset' : 'set',
    state,
    object: typeof extra.object === 'string' ? extra.object : '',
    backend,
    ...(dependents === undefined ? {} : { dependents }),
  };
}
