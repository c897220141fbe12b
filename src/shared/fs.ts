/**
 * File-system primitives every domain folder uses: existence and listing that treat a missing
 * directory as empty, temporary names that are never taken for a state, exclusive creation,
 * atomic and durable writes (fsync of file and directory), and moves that also cross file
 * systems.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Whether something exists at `path` (a dangling symlink counts). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The entry names of `dir`, none when there is no directory at that path (a pool or record
 * directory is made by the first state saved there); other errors are thrown.
 */
export async function readDirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * A fresh temporary file name in `dir` for `name`: hidden (leading `.`) and ending in `.tmp`,
 * so it is never taken for a state (state files end in `.qcow2`) or an image, and a rename
 * into place publishes the finished file atomically.
 */
export function tempPath(dir: string, name: string): string {
  return join(dir, tempName(name, process.pid, randomBytes(4).toString('hex')));
}

function tempName(name: string, pid: number, hex: string): string {
  return `.${name}.${pid}.${hex}.tmp`;
}

/** The largest pid Linux hands out (`PID_MAX_LIMIT`, the ceiling of `kernel.pid_max`). */
const PID_MAX_LIMIT = 4_194_304;

/**
 * The most bytes `tempPath` adds to a name, with the longest pid there can be: what a file name
 * that gets a temporary twin must leave free of `NAME_MAX`.
 */
export const TEMP_NAME_EXTRA_BYTES = Buffer.byteLength(tempName('', PID_MAX_LIMIT, 'ffffffff'));

/**
 * The pid recorded in a temporary file name made by `tempPath` for `name`
 * (`.<name>.<pid>.<hex>.tmp`), or `undefined` when `file` (a base name) is not one.
 */
export function tempWriterPid(file: string, name: string): number | undefined {
  const prefix = `.${name}.`;
  if (!file.startsWith(prefix) || !file.endsWith('.tmp')) return undefined;
  const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(file.slice(prefix.length));
  return m === null ? undefined : Number(m[1]);
}

/** A fresh random token for a lock or a write. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Creates `file` with `text` unless it exists, in one atomic step that never shows a partly
 * written file: the text goes to a temporary file made with O_EXCL (`wx`), which is then
 * hard-linked to `file` (`link` fails with EEXIST when `file` exists, on every local and NFS
 * filesystem) and removed. Resolves with whether `file` was created. ENOENT (the directory is
 * missing) is the caller's to handle.
 */
export async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = exclusiveTemp(file, process.pid, randomBytes(4).toString('hex'));
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function exclusiveTemp(file: string, pid: number, hex: string): string {
  return `${file}.${pid}.${hex}.tmp`;
}

/** The most bytes `createExclusive` adds to a file name for its temporary file. */
export const EXCLUSIVE_TEMP_EXTRA_BYTES = Buffer.byteLength(
  exclusiveTemp('', PID_MAX_LIMIT, 'ffffffff'),
);

/** Errors of platforms and filesystems that cannot sync a directory: nothing more to do there. */
const UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'EBADF', 'ENOTSUP']);

/**
 * Makes the entries of `dir` durable (`fsync` of the directory): after a rename into it, a
 * power loss can then no longer undo the rename, nor let it overtake writes that follow.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `value` as JSON to `file` under a temporary name and renames it into place, so that
 * `file` is either the old content or the whole new one, whenever the process dies. The content
 * is synced before the rename and the directory after it: markers and manifests order the
 * write protocol (`guardedWrite`), and that order must survive a power loss too.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = tempPath(dir, basename(file));
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/**
 * Moves `from` to `to`, replacing `to` atomically: a rename when both are on one filesystem
 * (no data is copied), else a copy (a reflink where the filesystem can) to a temporary name
 * next to `to`, synced, a rename into place, and the removal of `from`. The directory of `to`
 * is synced, so the move is durable before a manifest describes it. Resolves with whether data
 * had to be copied.
 */
export async function moveFile(from: string, to: string): Promise<boolean> {
  let renamed = true;
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    renamed = false;
  }
  if (renamed) {
    await syncDir(dirname(to));
    return false;
  }
  const temp = tempPath(dirname(to), basename(to));
  try {
    await copyFile(from, temp, constants.COPYFILE_FICLONE);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, to);
    await syncDir(dirname(to));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await rm(from, { force: true });
  return true;
}

/** Removes files that may or may not exist. */
export async function removeFiles(files: readonly string[]): Promise<void> {
  for (const file of files) await rm(file, { force: true });
}

/** Whether two paths name the same file (hard links of one inode); false if either is missing. */
export async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.ino === y.ino && x.dev === y.dev;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
