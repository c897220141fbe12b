/**
 * The shared libraries a dynamically linked program needs, found in a tree of extracted
 * packages the way the guest's dynamic loader will find them: the `PT_INTERP` loader plus
 * every `DT_NEEDED` soname, transitively, looked up in the loader's system directories. Only
 * these files go into the guest, not whole library packages (libc6 alone is 13 MB).
 */
import { lstat, readFile, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { GuestError } from '../errors.js';
import { readElfLinking } from './elf.js';

/**
 * Where Debian's x86-64 loader looks for libraries when there is no `/etc/ld.so.cache` (the
 * guest has none): its built-in system search path, in order (`ld.so --help`).
 */
export const LOADER_SEARCH_PATH = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib',
  '/usr/lib',
] as const;

/** One file the guest needs: where it goes in the guest and the host file to copy there. */
export interface GuestFile {
  /** Absolute path in the guest. */
  guestPath: string;
  /** The host file with the content (symlinks already followed). */
  hostFile: string;
}

/**
 * Follows symlinks of `path` inside `root` (an extracted package tree) as the guest would,
 * with absolute targets taken relative to `root`; `undefined` when nothing is there.
 */
export async function resolveInTree(root: string, path: string): Promise<string | undefined> {
  let current = posix.normalize(path);
  for (let hop = 0; hop < 40; hop++) {
    const host = posix.join(root, current);
    let stats;
    try {
      stats = await lstat(host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (!stats.isSymbolicLink()) return stats.isFile() ? host : undefined;
    const target = await readlink(host);
    current = posix.normalize(
      target.startsWith('/') ? target : posix.join(posix.dirname(current), target),
    );
  }
  throw new GuestError('GUEST_BUILD', `too many symlinks resolving ${path} in ${root}`);
}

/**
 * The loader and libraries that `program` (a guest path inside `root`) needs, each once:
 * `DT_NEEDED` is followed through every library found, and a soname that no directory of
 * {@link LOADER_SEARCH_PATH} holds is a `GUEST_BUILD` error naming who needs it.
 */
export async function sharedLibraryClosure(root: string, program: string): Promise<GuestFile[]> {
  const programFile = await resolveInTree(root, program);
  if (programFile === undefined) {
    throw new GuestError('GUEST_BUILD', `${program} is not in the extracted packages (${root})`);
  }
  const files: GuestFile[] = [];
  const { interpreter, needed } = readElfLinking(await readFile(programFile), program);
  if (interpreter !== undefined) {
    const hostFile = await resolveInTree(root, interpreter);
    if (hostFile === undefined) {
      throw new GuestError(
        'GUEST_BUILD',
        `the loader ${interpreter} of ${program} is not in the extracted packages`,
      );
    }
    files.push({ guestPath: interpreter, hostFile });
  }

  const done = new Set<string>();
  const queue = needed.map((soname) => ({ soname, by: program }));
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const { soname, by } = item;
    if (done.has(soname)) continue;
    done.add(soname);
    let found: GuestFile | undefined;
    for (const dir of LOADER_SEARCH_PATH) {
      const guestPath = posix.join(dir, soname);
      const hostFile = await resolveInTree(root, guestPath);
      if (hostFile !== undefined) {
        found = { guestPath, hostFile };
        break;
      }
    }
    if (found === undefined) {
      throw new GuestError(
        'GUEST_BUILD',
        `${soname} (needed by ${by}) is in none of the downloaded library packages`,
      );
    }
    // The loader may be listed as needed too (libc.so.6 needs ld-linux-x86-64.so.2): one copy
    // at the interpreter path and one under the soname are both harmless and both expected.
    files.push(found);
    for (const next of readElfLinking(await readFile(found.hostFile), found.guestPath).needed) {
      if (!done.has(next)) queue.push({ soname: next, by: soname });
    }
  }
  return files;
}
