/**
 * In-progress markers (`.<state>.writing`): written before a state changes, removed when it is
 * complete, so that an interrupted write is never trusted.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backends/index.js';
import { type LockHolder, parseLockHolder } from '../locks/index.js';
import { stateNamesIn } from '../pool/index.js';

/** Where the manifest and the in-progress marker of one state live. */
export interface StateRecord {
  /** The directory of both (a pool directory, or a sidecar's `images/` or `vms/`). */
  readonly dir: string;
  /** `<state>.json`: the manifest, written when the state is complete. */
  readonly manifest: string;
  /** `.<state>.writing`: present while the state is being written, or after a write died. */
  readonly marker: string;
}

/**
 * The record files of `state` in `dir`. State names never start with "." and never end in
 * ".json" plus ".qcow2" at once, so neither file can be taken for a state file or for the
 * record of another state.
 */
export function stateRecord(dir: string, state: string): StateRecord {
  return { dir, manifest: join(dir, `${state}.json`), marker: join(dir, `.${state}.writing`) };
}

/**
 * The in-progress marker of a state (`.<state>.writing`): written before a state is created,
 * overwritten or removed, deleted when the operation is complete (manifest written or
 * removed). While it is there the state is `incomplete`: never trusted, and discarded (with
 * what the interrupted operation left half-done) by the next operation on the object.
 */
export interface StateMarker extends LockHolder {
  readonly op: 'set' | 'unset';
  readonly state: string;
  readonly object: string;
  readonly backend: BackendName;
  /** An unset with `unset_dependents = yes`: the states it removes with this one. */
  readonly dependents?: readonly string[] | undefined;
}

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

/** The states that have an in-progress marker in a record directory (none if it is missing). */
export function findMarkers(dir: string): Promise<string[]> {
  return stateNamesIn(dir, /^\.(.+)\.writing$/);
}
