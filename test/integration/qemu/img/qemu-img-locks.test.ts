import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QemuCommandError } from '../../../../src/qemu/errors.js';
import { commitImage, rebaseImage } from '../../../../src/qemu/img/backing-chain.js';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { convertImage } from '../../../../src/qemu/img/convert-image.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { applySnapshot, createSnapshot } from '../../../../src/qemu/img/snapshots.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { holdImageLock } from '../../../helpers/qemu-lock-holder.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function lockError(promise: Promise<unknown>): Promise<QemuCommandError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof QemuCommandError))
    throw new Error(`expected a lock error, got ${String(error)}`);
  expect(error.code).toBe('QEMU_IMAGE_LOCKED');
  return error;
}

describeQemu('images held by another process', () => {
  const sandbox = useQemuSandbox();

  async function image(): Promise<{ dir: string; path: string }> {
    const dir = await sandbox.dir();
    const path = join(dir, 'held.qcow2');
    await createImage(path, { size: '16M' });
    await qemuIo(path, [ioPatternCommand('write', 0x11, 0, '1M')]);
    await createSnapshot(path, 'old');
    await qemuIo(path, [ioPatternCommand('write', 0x22, 0, '1M')]);
    return { dir, path };
  }

  it('maps every operation on a write-held image to QEMU_IMAGE_LOCKED and overwrites nothing', async () => {
    const { dir, path } = await image();
    const source = join(dir, 'source.qcow2');
    await createImage(source, { size: '1M' });
    const holder = await holdImageLock(path);

    const info = await lockError(imageInfo(path));
    expect(info.image).toBe(path);
    expect(info.stderrTail).toContain('Is another process using the image');
    await lockError(createSnapshot(path, 'new'));
    await lockError(applySnapshot(path, 'old'));
    await lockError(checkImage(path, { repair: 'leaks' }));
    await lockError(qemuIo(path, [ioPatternCommand('write', 0x33, 0, '1M')]));
    await lockError(createImage(path, { size: '1M', overwrite: true }));
    await lockError(convertImage(source, path, { overwrite: true }));
    await lockError(commitImage(path));
    await lockError(rebaseImage(path, { backingFile: null }));

    // Reading with force-share works while it is held.
    const shared = await imageInfo(path, { forceShare: true });
    expect(shared.snapshots.map((s) => s.name)).toEqual(['old']);
    expect((await checkImage(path, { forceShare: true })).status).toBe('clean');
    expect(
      (
        await qemuIo(path, [ioPatternCommand('read', 0x22, 0, '1M')], {
          readOnly: true,
          forceShare: true,
        })
      ).ok,
    ).toBe(true);

    await holder.release();
    // Nothing was overwritten: same size, same snapshot list, same data, target still there.
    await access(path);
    const after = await imageInfo(path);
    expect(after.virtualSize).toBe(16 * 1024 * 1024);
    expect(after.snapshots.map((s) => s.name)).toEqual(['old']);
    expect((await qemuIo(path, [ioPatternCommand('read', 0x22, 0, '1M')])).ok).toBe(true);
  });

  it('lets readers share with a read-only holder but not writers', async () => {
    const { path } = await image();
    await holdImageLock(path, true);
    expect((await imageInfo(path)).snapshots).toHaveLength(1);
    expect((await checkImage(path)).status).toBe('clean');
    await lockError(createSnapshot(path, 'new'));
    await lockError(qemuIo(path, [ioPatternCommand('write', 0x33, 0, '1M')]));
  });
});
