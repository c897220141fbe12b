/**
 * File-system failures as coded errors, and the limits of paths: a failed system call
 * (`ENOSPC`, `EROFS`, `EACCES` …) becomes a `FileSystemError` that names the path and what it
 * was for, and `pathProblem` tells before anything is written whether a path can be what it
 * must be (a directory, a file) within `NAME_MAX` and `PATH_MAX`.
 */
import { statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { FileSystemError, type FsErrorCode } from '../errors.js';

/** The longest file name Linux file systems take, in bytes (`NAME_MAX`). */
export const NAME_MAX = 255;

/** The longest path the kernel takes, in bytes, without its NUL (`PATH_MAX` is 4096 with it). */
export const PATH_MAX = 4095;

/** The errors of system calls, by `code`, with what they mean for a user. */
const ERRNO: Readonly<Record<string, { code: FsErrorCode; text: string; hint?: string }>> = {
  ENOSPC: {
    code: 'FS_NO_SPACE',
    text: 'no space left on the device',
    hint: 'free space (e.g. cartograph gc --max-size SIZE) and run again: what was half-written is discarded then',
  },
  EDQUOT: {
    code: 'FS_NO_SPACE',
    text: 'the disk quota is used up',
    hint: 'free space (e.g. cartograph gc --max-size SIZE) and run again: what was half-written is discarded then',
  },
  EFBIG: {
    code: 'FS_NO_SPACE',
    text: 'the file grew beyond the size limit (RLIMIT_FSIZE or the file system maximum)',
    hint: 'raise the file size limit (ulimit -f) and run again: what was half-written is discarded then',
  },
  EROFS: {
    code: 'FS_READ_ONLY',
    text: 'the file system is read-only',
    hint: 'point the parameter that names this path at a writable place, or remount the file system read-write',
  },
  EACCES: { code: 'FS_NO_ACCESS', text: 'permission denied' },
  EPERM: { code: 'FS_NO_ACCESS', text: 'operation not permitted' },
  ENOTDIR: { code: 'FS_NOT_DIRECTORY', text: 'a part of the path is a file, not a directory' },
  EISDIR: { code: 'FS_NOT_DIRECTORY', text: 'it is a directory, where a file must be' },
  ENAMETOOLONG: {
    code: 'FS_NAME_TOO_LONG',
    text: `the name is too long (a file name takes at most ${NAME_MAX} bytes, a path ${PATH_MAX})`,
  },
  EMFILE: {
    code: 'FS_TOO_MANY_FILES',
    text: 'this process has too many open files',
    hint: 'raise the limit of open files (ulimit -n), or run fewer jobs at once (--jobs)',
  },
  ENFILE: {
    code: 'FS_TOO_MANY_FILES',
    text: 'the system has too many open files',
    hint: 'run fewer jobs at once (--jobs)',
  },
  ENOENT: { code: 'FS_MISSING', text: 'there is no such file or directory' },
};

/** Errnos of writing: a two-path call (copy, link, rename) failing so is about its destination. */
const WRITE_SIDE: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS']);

/** A failed system call as Node reports it: `code` (`ENOSPC`), `syscall`, `path`. */
export function isErrnoError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code ?? '') &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}

/** The `FileSystemError` code of an errno (`ENOSPC` → `FS_NO_SPACE`); `FS_FAILED` for others. */
export function fsErrorCode(errno: string): FsErrorCode {
  return ERRNO[errno]?.code ?? 'FS_FAILED';
}

/** What an errno means, for messages (`no space left on the device`). */
export function errnoText(errno: string): string {
  return ERRNO[errno]?.text ?? errno;
}

/** What to do about an errno (`free space …`), when there is something to say. */
export function errnoHint(errno: string): string | undefined {
  return ERRNO[errno]?.hint;
}

/**
 * A failed system call as a `FileSystemError` naming the path and, when given, what the path
 * is for (`swarm_pool of vm1/image1`); `undefined` when `error` is not one. Keeps `error` as
 * the cause. The error's `path` is the one at fault: the destination of a copy that found no
 * room.
 */
export function fileSystemError(error: unknown, about?: string): FileSystemError | undefined {
  if (!isErrnoError(error)) return undefined;
  const source = error.path ?? '';
  const dest = (error as { dest?: unknown }).dest;
  // A copy, link or rename that finds no room (or a read-only place) fails at its destination.
  const path = typeof dest === 'string' && WRITE_SIDE.has(error.code) ? dest : source;
  const known = ERRNO[error.code];
  const target = typeof dest === 'string' ? `${source} → ${dest}` : source;
  const prefix = about === undefined ? '' : `${about}: `;
  return new FileSystemError(
    known?.code ?? 'FS_FAILED',
    `${prefix}${error.syscall ?? 'access'} ${target}: ${known?.text ?? error.message}`,
    path,
    { cause: error, ...(known?.hint === undefined ? {} : { hint: known.hint }) },
  );
}

/** What is wrong with a path before anything is made there (see {@link pathProblem}). */
export interface PathProblem {
  /** The errno the file system would answer with (`ENOTDIR`, `EISDIR`, `ENAMETOOLONG` …). */
  readonly errno: string;
  /** Why, for a message: `/x/pool is a file, not a directory`. */
  readonly why: string;
  /** The path where the problem is: the path itself, or the file or long name above it. */
  readonly at: string;
}

/** How `pathProblem` looks at paths: `stat`, or a fake in tests. */
export type StatFn = (path: string) => { isDirectory(): boolean } | undefined;

const realStat: StatFn = (path) => statSync(path, { throwIfNoEntry: false });

/**
 * A `StatFn` that asks the file system once per path (its answer or its error kept): checks
 * of many paths under the same directories look at each directory once.
 */
export function cachedStat(): StatFn {
  const known = new Map<string, boolean | undefined | Error>();
  return (path) => {
    let found = known.get(path);
    if (!known.has(path)) {
      try {
        found = realStat(path)?.isDirectory();
      } catch (error) {
        found = error instanceof Error ? error : new Error(String(error));
      }
      known.set(path, found);
    }
    if (found instanceof Error) throw found;
    if (found === undefined) return undefined;
    const isDirectory = found;
    return { isDirectory: () => isDirectory };
  };
}

/**
 * Whether `path` (absolute) can be a `kind` that cartograph makes or uses: no NUL byte; no
 * component over `NAME_MAX` bytes (nor the names `room` bytes longer that cartograph makes
 * beside a file, or inside a directory); the path with `room` more bytes within `PATH_MAX`; if
 * it exists, it is a `kind`; if not, the nearest existing ancestor is a directory (where it can
 * be made). Read-only: it only looks (`stat`). `undefined` when all is well.
 */
export function pathProblem(
  path: string,
  kind: 'directory' | 'file',
  room = 0,
  stat: StatFn = realStat,
): PathProblem | undefined {
  if (path.includes('\0')) {
    return { errno: 'EINVAL', why: 'a path cannot hold a NUL byte', at: path };
  }
  const abs = resolve(path);
  const bytes = Buffer.byteLength(abs);
  if (bytes + room > PATH_MAX) {
    return {
      errno: 'ENAMETOOLONG',
      why: `${short(abs)} is ${bytes} bytes: with the ${room} bytes of the names cartograph makes ${kind === 'directory' ? 'in it' : 'beside it'}, over the ${PATH_MAX} bytes a path may have`,
      at: abs,
    };
  }
  const parts = abs.split(sep);
  for (const [i, part] of parts.entries()) {
    const limit = i === parts.length - 1 && kind === 'file' ? NAME_MAX - room : NAME_MAX;
    if (Buffer.byteLength(part) > limit) {
      return {
        errno: 'ENAMETOOLONG',
        why: `the name "${short(part)}" is ${Buffer.byteLength(part)} bytes, over the ${limit} bytes ${limit === NAME_MAX ? 'a file name may have' : `left of ${NAME_MAX} by the names cartograph makes beside it`}`,
        at: parts.slice(0, i + 1).join(sep) || sep,
      };
    }
  }
  try {
    const found = stat(abs);
    if (found !== undefined) {
      if (kind === 'directory' && !found.isDirectory()) {
        return { errno: 'ENOTDIR', why: `${abs} is a file, not a directory`, at: abs };
      }
      if (kind === 'file' && found.isDirectory()) {
        return { errno: 'EISDIR', why: `${abs} is a directory, not a file`, at: abs };
      }
      return undefined;
    }
    // Missing: it is made in the nearest directory that exists.
    for (let up = dirname(abs); ; up = dirname(up)) {
      const above = stat(up);
      if (above !== undefined) {
        return above.isDirectory()
          ? undefined
          : { errno: 'ENOTDIR', why: `${up} is a file, so ${abs} cannot be made under it`, at: up };
      }
      if (up === dirname(up)) return undefined;
    }
  } catch (error) {
    if (!isErrnoError(error)) throw error;
    if (error.code === 'ENOTDIR') {
      // A file somewhere above: name it.
      for (let up = dirname(abs); up !== dirname(up); up = dirname(up)) {
        const above = safeStat(stat, up);
        if (above !== undefined && !above.isDirectory()) {
          return { errno: 'ENOTDIR', why: `${up} is a file, so ${abs} cannot be under it`, at: up };
        }
      }
    }
    return { errno: error.code, why: `${abs}: ${errnoText(error.code)}`, at: abs };
  }
}

function safeStat(stat: StatFn, path: string): { isDirectory(): boolean } | undefined {
  try {
    return stat(path);
  } catch {
    return undefined;
  }
}

/** A long name shortened for messages: its start, `…`, and its length. */
function short(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 40)}…${text.slice(-20)}`;
}
