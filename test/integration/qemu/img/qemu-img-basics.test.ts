import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError, QemuCommandError } from '../../../../src/qemu/errors.js';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { measureImage } from '../../../../src/qemu/img/convert-image.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describeQemu('qemu-img create, info, check, measure', () => {
  const sandbox = useQemuSandbox();

  it('creates a sparse qcow2 image and reads it back as JSON (no snapshots → [])', async () => {
    const image = join(await sandbox.dir(), 'a.qcow2');
    await createImage(image, { size: '64M' });
    const info = await imageInfo(image);
    expect(info).toMatchObject({ format: 'qcow2', virtualSize: 64 * 1024 * 1024, dirty: false });
    expect(info.snapshots).toEqual([]);
    expect(info.backingFilename).toBeUndefined();
    expect(info.actualSize).toBeLessThan(1024 * 1024);
    expect(info.qcow2?.compat).toBe('1.1');
  });

  it('refuses to replace an existing file unless asked, and keeps its content', async () => {
    const image = join(await sandbox.dir(), 'a.qcow2');
    await createImage(image, { size: '1M' });
    await qemuIo(image, [ioPatternCommand('write', 0x5a, 0, '64k')]);
    const error = await rejection(createImage(image, { size: '2M' }));
    expect(isQemuError(error, 'QEMU_IMAGE_EXISTS')).toBe(true);
    expect((await qemuIo(image, [ioPatternCommand('read', 0x5a, 0, '64k')])).ok).toBe(true);
    await createImage(image, { size: '2M', overwrite: true });
    expect((await imageInfo(image)).virtualSize).toBe(2 * 1024 * 1024);
  });

  it('takes creation options and byte sizes, and refuses bad sizes', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'z.qcow2');
    await createImage(image, { size: 1 << 20, creationOptions: { compression_type: 'zstd' } });
    expect((await imageInfo(image)).qcow2?.compressionType).toBe('zstd');
    expect(
      isQemuError(
        await rejection(createImage(join(dir, 'b.qcow2'), { size: '1 M' })),
        'QEMU_BAD_ARGUMENT',
      ),
    ).toBe(true);
    expect(
      isQemuError(await rejection(createImage(join(dir, 'c.qcow2'), {})), 'QEMU_BAD_ARGUMENT'),
    ).toBe(true);
  });

  it('handles file names with commas, colons and spaces', async () => {
    const image = join(await sandbox.dir(), 'we,ird: name.qcow2');
    await createImage(image, { size: '1M' });
    await qemuIo(image, [ioPatternCommand('write', 0x11, 0, '4k')]);
    expect((await imageInfo(image)).virtualSize).toBe(1 << 20);
    expect((await checkImage(image)).status).toBe('clean');
  });

  it('names a missing image: QEMU_IMAGE_MISSING', async () => {
    const missing = join(await sandbox.dir(), 'none.qcow2');
    for (const call of [imageInfo(missing), checkImage(missing), qemuIo(missing, ['read 0 1'])]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(QemuCommandError);
      expect(error).toMatchObject({ code: 'QEMU_IMAGE_MISSING', image: missing, exitCode: 1 });
    }
  });

  it('never probes the format: garbage is QEMU_FAILED, not a raw image', async () => {
    const garbage = join(await sandbox.dir(), 'garbage.qcow2');
    await writeFile(garbage, Buffer.alloc(4096, 7));
    expect(isQemuError(await rejection(imageInfo(garbage)), 'QEMU_FAILED')).toBe(true);
    expect((await imageInfo(garbage, { format: 'raw' })).format).toBe('raw');
  });

  it('checks a clean image, and reports an unsupported format as a result', async () => {
    const dir = await sandbox.dir();
    const image = join(dir, 'a.qcow2');
    await createImage(image, { size: '64M' });
    await qemuIo(image, [ioPatternCommand('write', 0xab, 0, '1M')]);
    const result = await checkImage(image);
    expect(result).toMatchObject({
      status: 'clean',
      exitCode: 0,
      leaks: 0,
      corruptions: 0,
      checkErrors: 0,
    });
    expect(result.allocatedClusters).toBeGreaterThan(0);
    expect((await checkImage(image, { repair: 'leaks' })).status).toBe('clean');
    const raw = join(dir, 'r.raw');
    await writeFile(raw, Buffer.alloc(65536));
    expect(await checkImage(raw, { format: 'raw' })).toMatchObject({
      status: 'unsupported',
      exitCode: 63,
    });
  });

  it('measures a new image and an existing one', async () => {
    expect(await measureImage({ size: '1G' })).toEqual({
      required: 393216,
      fullyAllocated: 1074135040,
    });
    const image = join(await sandbox.dir(), 'a.qcow2');
    await createImage(image, { size: '64M' });
    await qemuIo(image, [ioPatternCommand('write', 0xab, 0, '10M')]);
    const measured = await measureImage({ image });
    expect(measured.required).toBeGreaterThan(10 * 1024 * 1024);
    expect(measured.fullyAllocated).toBeGreaterThan(64 * 1024 * 1024);
    expect(measured.bitmaps).toBe(0);
  });
});
