import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import {
  compareImages,
  convertImage,
  measureImage,
} from '../../../../src/qemu/img/convert-image.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { createSnapshot } from '../../../../src/qemu/img/snapshots.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describeQemu('qemu-img convert and compare', () => {
  const sandbox = useQemuSandbox();

  /** A sparse 32M raw image with 2 MiB of non-zero data at 1M. */
  async function rawImage(dir: string): Promise<string> {
    const raw = join(dir, 'disk.raw');
    const file = await open(raw, 'w');
    await file.write(Buffer.alloc(2 * 1024 * 1024, 0x3c), 0, 2 * 1024 * 1024, 1024 * 1024);
    await file.truncate(32 * 1024 * 1024);
    await file.close();
    return raw;
  }

  it('converts raw to compressed qcow2 (zlib and zstd) with the same content', async () => {
    const dir = await sandbox.dir();
    const raw = await rawImage(dir);
    for (const compress of [true, 'zstd'] as const) {
      const target = join(dir, `c-${String(compress)}.qcow2`);
      await convertImage(raw, target, { sourceFormat: 'raw', compress });
      expect(await compareImages(raw, target, { formatA: 'raw' })).toBe(true);
      expect((await qemuIo(target, [ioPatternCommand('read', 0x3c, '1M', '2M')])).ok).toBe(true);
      const info = await imageInfo(target);
      expect(info.qcow2?.compressionType).toBe(compress === 'zstd' ? 'zstd' : 'zlib');
      // 2 MiB of one repeated byte compresses to almost nothing.
      expect(info.actualSize).toBeLessThan(1024 * 1024);
    }
    const plain = join(dir, 'plain.qcow2');
    await convertImage(raw, plain, { sourceFormat: 'raw' });
    expect(await compareImages(plain, join(dir, 'c-zstd.qcow2'))).toBe(true);
    await qemuIo(plain, [ioPatternCommand('write', 0x01, 0, '4k')]);
    expect(await compareImages(raw, plain, { formatA: 'raw' })).toBe(false);
    expect(
      isQemuError(
        await convertImage(raw, join(dir, 'x.raw'), {
          sourceFormat: 'raw',
          targetFormat: 'raw',
          compress: true,
        }).catch((e: unknown) => e),
        'QEMU_BAD_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('exports one internal snapshot with -l snapshot.name', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'a.qcow2');
    await createImage(image, { size: '16M' });
    await qemuIo(image, [ioPatternCommand('write', 0xab, 0, '1M')]);
    await createSnapshot(image, 'before, change');
    await qemuIo(image, [ioPatternCommand('write', 0xcd, 0, '1M')]);
    const exported = join(dir, 'exported.qcow2');
    await convertImage(image, exported, { snapshot: 'before, change' });
    expect((await qemuIo(exported, [ioPatternCommand('read', 0xab, 0, '1M')])).ok).toBe(true);
    expect((await imageInfo(exported)).snapshots).toEqual([]);
    const measured = await measureImage({ image, snapshot: 'before, change' });
    expect(measured.required).toBeGreaterThan(1024 * 1024);
  });

  it('fails on a missing snapshot or source without leaving a half-written target', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'a.qcow2');
    await createImage(image, { size: '16M' });
    const target = join(dir, 'out.qcow2');
    const missingSnapshot = await convertImage(image, target, { snapshot: 'nosuch' }).catch(
      (e: unknown) => e,
    );
    expect(isQemuError(missingSnapshot, 'QEMU_SNAPSHOT_MISSING')).toBe(true);
    expect(await exists(target)).toBe(false);
    const missingSource = await convertImage(join(dir, 'none.qcow2'), target).catch(
      (e: unknown) => e,
    );
    expect(missingSource).toMatchObject({
      code: 'QEMU_IMAGE_MISSING',
      image: join(dir, 'none.qcow2'),
    });
    expect(await exists(target)).toBe(false);
  });

  it('refuses to replace a target unless asked', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'a.qcow2');
    const target = join(dir, 'b.qcow2');
    await createImage(image, { size: '16M' });
    await createImage(target, { size: '1M' });
    expect(
      isQemuError(await convertImage(image, target).catch((e: unknown) => e), 'QEMU_IMAGE_EXISTS'),
    ).toBe(true);
    expect((await imageInfo(target)).virtualSize).toBe(1024 * 1024);
    await convertImage(image, target, { overwrite: true });
    expect((await imageInfo(target)).virtualSize).toBe(16 * 1024 * 1024);
  });
});
