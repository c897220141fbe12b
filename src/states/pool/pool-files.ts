/**
 * The state files of a pool directory: listing them, reading what each is built on, and
 * finding the states built on a given one.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { imageInfo, type ImageInfo } from '../../qemu/index.js';
import { readDirOrEmpty } from '../../shared/index.js';
import type { StateInfo } from '../backends/index.js';
import { isStateName, type ResolvedContext } from '../ops/index.js';

/**
 * The valid state names that `pattern` captures (group 1) from the entries of `dir`, sorted;
 * none if the directory is missing.
 */
export async function stateNamesIn(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readDirOrEmpty(dir))
    .map((e) => pattern.exec(e)?.[1])
    .filter((s): s is string => s !== undefined && isStateName(s))
    .sort();
}

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

/**
 * The absolute path of an image's backing file, `undefined` for none. QEMU resolves a
 * relative backing name against the directory of the image that stores it.
 */
export function backingOf(image: string, info: ImageInfo): string | undefined {
  const name = info.backingFilename;
  if (name === undefined || name === '') return undefined;
  return resolve(dirname(image), name);
}

/** An external state file in a pool directory, with what it is built on. */
export interface PoolState {
  /** The state name. */
  readonly name: string;
  /** Absolute path of `<name>.qcow2`. */
  readonly file: string;
  /** Absolute path of its backing file; `undefined` when it stands alone. */
  readonly backing: string | undefined;
}

/**
 * The states of a pool directory with their backing files (one `qemu-img info -U` per state,
 * run concurrently): what is needed to tell which states are built on which.
 */
export async function readPool(dir: string, ctx: ResolvedContext): Promise<PoolState[]> {
  const limit = pLimit(ctx.concurrency);
  return Promise.all(
    (await listPool(dir)).map((s) =>
      limit(async (): Promise<PoolState> => {
        const file = join(dir, `${s.name}.qcow2`);
        const info = await imageInfo(file, { ...ctx.qemu, forceShare: true });
        return { name: s.name, file, backing: backingOf(file, info) };
      }),
    ),
  );
}

/**
 * The states built on `file`, directly or through others, deepest first (the order in which
 * they can be removed without ever leaving a state whose backing file is gone).
 */
export function dependentsOf(pool: readonly PoolState[], file: string): PoolState[] {
  const found: PoolState[] = [];
  const seen = new Set([file]);
  for (let i = -1; i < found.length; i++) {
    const parent = i < 0 ? file : (found[i] as PoolState).file;
    for (const s of pool) {
      if (s.backing === parent && !seen.has(s.file)) {
        seen.add(s.file);
        found.push(s);
      }
    }
  }
  return found.reverse();
}
