import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { moveFile, syncDir, writeJsonAtomic } from '../../../src/shared/fs.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The file primitives of the write protocol: whole content or the old one, no temporary file
 * left behind, directories synced (a directory that does not exist is an error, not skipped).
 * The move across filesystems runs for real in the qcow2ext tests where the machine has a
 * second filesystem; here a fake `rename` that fails with EXDEV once takes that path anywhere.
 */
const fake = vi.hoisted(() => ({ exdevOnce: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    // Fake: the next rename fails as it does between filesystems.
    rename: (from: string, to: string) => {
      if (!fake.exdevOnce) return real.rename(from, to);
      fake.exdevOnce = false;
      return Promise.reject(Object.assign(new Error('EXDEV (fake)'), { code: 'EXDEV' }));
    },
  };
});

it('writes JSON in place of the old content, making the directory, leaving no temporary file', async () => {
  const dir = join(tempDir('cartograph-durable-'), 'records', 'images');
  const file = join(dir, 's.json');
  await writeJsonAtomic(file, { key: 'one' });
  await writeJsonAtomic(file, { key: 'two' });
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ key: 'two' });
  expect(readdirSync(dir)).toEqual(['s.json']);
});

it('leaves the old content and no temporary file when the write fails', async () => {
  const dir = tempDir('cartograph-durable-');
  const file = join(dir, 's.json');
  writeFileSync(file, '{"key":"old"}\n');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await expect(writeJsonAtomic(file, cyclic)).rejects.toThrow(TypeError);
  expect(readFileSync(file, 'utf8')).toBe('{"key":"old"}\n');
  expect(readdirSync(dir)).toEqual(['s.json']);
});

it('moves a file over another by renaming it, and syncs directories', async () => {
  const dir = tempDir('cartograph-durable-');
  mkdirSync(join(dir, 'pool'));
  writeFileSync(join(dir, 'active.qcow2'), 'new');
  writeFileSync(join(dir, 'pool', 's.qcow2'), 'old');
  expect(await moveFile(join(dir, 'active.qcow2'), join(dir, 'pool', 's.qcow2'))).toBe(false);
  expect(readFileSync(join(dir, 'pool', 's.qcow2'), 'utf8')).toBe('new');
  expect(readdirSync(dir).sort()).toEqual(['pool']);
  await expect(syncDir(dir)).resolves.toBeUndefined();
  await expect(syncDir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('copies, syncs and renames into place when a rename cannot cross filesystems (fake EXDEV)', async () => {
  const dir = tempDir('cartograph-durable-');
  mkdirSync(join(dir, 'pool'));
  writeFileSync(join(dir, 'active.qcow2'), 'new');
  writeFileSync(join(dir, 'pool', 's.qcow2'), 'old');
  fake.exdevOnce = true;
  expect(await moveFile(join(dir, 'active.qcow2'), join(dir, 'pool', 's.qcow2'))).toBe(true);
  expect(readFileSync(join(dir, 'pool', 's.qcow2'), 'utf8')).toBe('new');
  expect(existsSync(join(dir, 'active.qcow2'))).toBe(false);
  expect(readdirSync(join(dir, 'pool'))).toEqual(['s.qcow2']);
});
