import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSystemError } from '../../../src/errors.js';
import { fileSystemError, pathProblem } from '../../../src/shared/fs-errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** An error as Node's fs functions throw them. */
function errno(code: string, syscall: string, path: string, dest?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), {
    code,
    syscall,
    path,
    ...(dest === undefined ? {} : { dest }),
  });
}

describe('fileSystemError', () => {
  it.each([
    ['ENOSPC', 'FS_NO_SPACE'],
    ['EDQUOT', 'FS_NO_SPACE'],
    ['EFBIG', 'FS_NO_SPACE'],
    ['EROFS', 'FS_READ_ONLY'],
    ['EACCES', 'FS_NO_ACCESS'],
    ['EPERM', 'FS_NO_ACCESS'],
    ['ENOTDIR', 'FS_NOT_DIRECTORY'],
    ['EISDIR', 'FS_NOT_DIRECTORY'],
    ['ENAMETOOLONG', 'FS_NAME_TOO_LONG'],
    ['EMFILE', 'FS_TOO_MANY_FILES'],
    ['ENFILE', 'FS_TOO_MANY_FILES'],
    ['ENOENT', 'FS_MISSING'],
    ['EIO', 'FS_FAILED'],
  ])('%s is %s, naming the path and what it is for', (code, expected) => {
    const cause = errno(code, 'open', '/pool/x.qcow2');
    const error = fileSystemError(cause, 'swarm_pool of vm1/image1');
    expect(error).toBeInstanceOf(FileSystemError);
    expect(error).toMatchObject({ code: expected, path: '/pool/x.qcow2', cause });
    expect(error?.message).toMatch(/^swarm_pool of vm1\/image1: open \/pool\/x\.qcow2: /);
  });

  it('puts a copy that finds no room at its destination', () => {
    const error = fileSystemError(errno('ENOSPC', 'copyfile', '/images/a', '/pool/.a.tmp'));
    expect(error).toMatchObject({ path: '/pool/.a.tmp' });
    expect(error?.message).toBe('copyfile /images/a → /pool/.a.tmp: no space left on the device');
  });

  it('is undefined for errors that are not failed system calls', () => {
    expect(fileSystemError(new Error('boom'))).toBeUndefined();
    expect(fileSystemError(new TypeError('null bytes'))).toBeUndefined();
    expect(fileSystemError('ENOSPC')).toBeUndefined();
  });
});

describe('pathProblem', () => {
  it('accepts what exists as asked for, and what can be made', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    expect(pathProblem(dir, 'directory')).toBeUndefined();
    expect(pathProblem(join(dir, 'file'), 'file')).toBeUndefined();
    expect(pathProblem(join(dir, 'new', 'deeper'), 'directory')).toBeUndefined();
  });

  it('names a file standing where a directory must be, at the path or above it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    expect(pathProblem(join(dir, 'file'), 'directory')).toMatchObject({
      errno: 'ENOTDIR',
      at: join(dir, 'file'),
    });
    expect(pathProblem(join(dir, 'file', 'a', 'b'), 'directory')).toMatchObject({
      errno: 'ENOTDIR',
      at: join(dir, 'file'),
      why: `${join(dir, 'file')} is a file, so ${join(dir, 'file', 'a', 'b')} cannot be under it`,
    });
  });

  it('names a directory where a file must be', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd'));
    expect(pathProblem(join(dir, 'd'), 'file')).toMatchObject({ errno: 'EISDIR' });
  });

  it('says what the file system answers when it will not let a path be looked at', () => {
    // As root nothing is denied: a fake stat answers as for a directory without x permission.
    const denied = (path: string) => {
      if (path.startsWith('/locked/')) throw errno('EACCES', 'stat', path);
      return path === '/locked' || path === '/' ? { isDirectory: () => true } : undefined;
    };
    expect(pathProblem('/locked/pool', 'directory', 0, denied)).toEqual({
      errno: 'EACCES',
      why: '/locked/pool: permission denied',
      at: '/locked/pool',
    });
  });

  it('refuses names and paths past NAME_MAX and PATH_MAX, and NUL bytes', () => {
    expect(pathProblem(`/tmp/${'n'.repeat(256)}`, 'directory')).toMatchObject({
      errno: 'ENAMETOOLONG',
    });
    // A file keeps room for the longer names made beside it.
    expect(pathProblem(`/tmp/${'n'.repeat(250)}`, 'file', 10)).toMatchObject({
      errno: 'ENAMETOOLONG',
      why: expect.stringContaining('over the 245 bytes left of 255') as unknown,
    });
    expect(pathProblem(`/tmp/${'d/'.repeat(2000)}`, 'directory', 256)).toMatchObject({
      errno: 'ENAMETOOLONG',
    });
    expect(pathProblem('/tmp/a\0b', 'directory')).toMatchObject({ errno: 'EINVAL' });
  });
});
