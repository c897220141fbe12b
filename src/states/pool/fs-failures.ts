/**
 * File-system failures of a state operation, told in the user's terms: which parameter the
 * failing path comes from (`swarm_pool`, `image_name`/`images_base_dir`), for failures of
 * cartograph's own writes (`ENOSPC`, `EROFS`, `EACCES` …) and for the same failures inside a
 * QEMU program (`qemu-img: … No space left on device`).
 */
import { dirname, resolve, sep } from 'node:path';
import { type CartographError, FileSystemError, type FsErrorCode } from '../../errors.js';
import { QemuCommandError } from '../../qemu/index.js';
import { errnoHint, errnoText, fileSystemError } from '../../shared/index.js';
import type { ImageTarget, StateTarget } from '../target.js';
import { imagePath, poolDir } from './layout.js';

/** The file-system failures QEMU programs report in words (strerror), and their errno. */
const QEMU_TEXTS: readonly (readonly [RegExp, string])[] = [
  [/No space left on device/, 'ENOSPC'],
  [/Disk quota exceeded/, 'EDQUOT'],
  [/File too large/, 'EFBIG'],
  [/Read-only file system/, 'EROFS'],
  [/Permission denied/, 'EACCES'],
  [/Operation not permitted/, 'EPERM'],
  [/Too many open files/, 'EMFILE'],
];

const QEMU_CODES: Readonly<Record<string, FsErrorCode>> = {
  ENOSPC: 'FS_NO_SPACE',
  EDQUOT: 'FS_NO_SPACE',
  EFBIG: 'FS_NO_SPACE',
  EROFS: 'FS_READ_ONLY',
  EACCES: 'FS_NO_ACCESS',
  EPERM: 'FS_NO_ACCESS',
  EMFILE: 'FS_TOO_MANY_FILES',
};

/**
 * What a path of a target is, for messages: `swarm_pool of vm1/image1` for its pool,
 * `image_name of vm1/image1` for its image and the files beside it; `undefined` for paths
 * that are neither.
 */
export function pathOwner(target: StateTarget, path: string, cwd: string): string | undefined {
  const abs = resolve(cwd, path);
  const within = (dir: string): boolean => abs === dir || abs.startsWith(dir + sep);
  for (const image of target.kind === 'images' ? [target] : target.images) {
    const pool = poolOf(image, cwd);
    if (pool !== undefined && within(pool)) return `swarm_pool of ${image.id}`;
    const active = imageOf(image, cwd);
    if (active !== undefined && within(dirname(active))) {
      const base = image.params.get('images_base_dir') ?? '';
      return `${base === '' ? 'image_name' : 'image_name in images_base_dir'} of ${image.id}`;
    }
  }
  return undefined;
}

/**
 * A failure of a state operation on `target` as a `FileSystemError` naming the path and the
 * parameter it comes from, when it is one: a failed system call, or a QEMU program that failed
 * for the same reasons. `undefined` for any other error.
 */
export function targetFsError(
  error: unknown,
  target: StateTarget,
  cwd: string,
): CartographError | undefined {
  if (error instanceof FileSystemError) return undefined;
  const direct = fileSystemError(error);
  if (direct !== undefined) {
    const owner = pathOwner(target, direct.path, cwd);
    return owner === undefined ? direct : (fileSystemError(error, owner) ?? direct);
  }
  if (!(error instanceof QemuCommandError)) return undefined;
  const errno = qemuErrno(error);
  if (errno === undefined) return undefined;
  // The image is the last argument of every qemu-img command cartograph runs (a file name,
  // or options naming it: `driver=qcow2,file.filename=…`).
  const last = error.command.at(-1) ?? '';
  const path = error.image ?? /(?:^|,)file\.filename=([^,]*)/.exec(last)?.[1] ?? last;
  const owner = pathOwner(target, path, cwd);
  const program = error.command[0] ?? 'qemu-img';
  const hint = errnoHint(errno);
  return new FileSystemError(
    QEMU_CODES[errno] ?? 'FS_FAILED',
    `${owner === undefined ? '' : `${owner}: `}${program} on ${path}: ${errnoText(errno)}`,
    path,
    { cause: error, ...(hint === undefined ? {} : { hint }) },
  );
}

/** The errno behind a QEMU program's failure, when its words say it was the file system. */
function qemuErrno(error: QemuCommandError): string | undefined {
  const text = `${error.message}\n${error.stderrTail}`;
  const errno = QEMU_TEXTS.find(([re]) => re.test(text))?.[1];
  if (errno !== undefined) return errno;
  // qcow2 creation reports EFBIG as "The image size is too large for file format 'qcow2'"; an
  // overlay (`-b`) takes the size of an image that exists, so for it that can only be EFBIG.
  if (
    /The image size is too large for file format/.test(text) &&
    error.command.includes('create') &&
    error.command.includes('-b')
  ) {
    return 'EFBIG';
  }
  return undefined;
}

function poolOf(image: ImageTarget, cwd: string): string | undefined {
  try {
    return (image.params.get('swarm_pool') ?? '') === '' ? undefined : poolDir(image, cwd);
  } catch {
    return undefined;
  }
}

function imageOf(image: ImageTarget, cwd: string): string | undefined {
  try {
    return imagePath(image, cwd);
  } catch {
    return undefined;
  }
}
