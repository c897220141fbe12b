import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isQemuError } from '../../../../src/qemu/errors.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import {
  applySnapshot,
  createSnapshot,
  deleteSnapshot,
} from '../../../../src/qemu/img/snapshots.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isQemuError(error) ? error.code : String(error);
  }
  return undefined;
}

describeQemu('qemu-img internal snapshots', () => {
  const sandbox = useQemuSandbox();

  async function imageWith(pattern: number): Promise<string> {
    const image = join(await sandbox.dir(), 'a.qcow2');
    await createImage(image, { size: '64M' });
    await qemuIo(image, [ioPatternCommand('write', pattern, 0, '2M')]);
    return image;
  }

  it('creates, lists, reverts (content really restored) and deletes a snapshot', async () => {
    const image = await imageWith(0xab);
    const before = Math.floor(Date.now() / 1000);
    await createSnapshot(image, 's1');
    await qemuIo(image, [ioPatternCommand('write', 0xcd, 0, '2M')]);
    expect((await qemuIo(image, [ioPatternCommand('read', 0xab, 0, '2M')])).ok).toBe(false);

    const [snapshot] = (await imageInfo(image)).snapshots;
    expect(snapshot).toMatchObject({ id: '1', name: 's1', vmStateSize: 0, icount: 0 });
    expect(snapshot?.dateSec).toBeGreaterThanOrEqual(before - 1);

    await applySnapshot(image, 's1');
    expect((await qemuIo(image, [ioPatternCommand('read', 0xab, 0, '2M')])).ok).toBe(true);

    await deleteSnapshot(image, 's1');
    expect((await imageInfo(image)).snapshots).toEqual([]);
  });

  it('takes tags with spaces, colons and @, and commas', async () => {
    const image = await imageWith(0x01);
    for (const tag of ['tag with space', 'weird:tag@1', 'a,b']) await createSnapshot(image, tag);
    expect((await imageInfo(image)).snapshots.map((s) => s.name)).toEqual([
      'tag with space',
      'weird:tag@1',
      'a,b',
    ]);
    await qemuIo(image, [ioPatternCommand('write', 0x02, 0, '2M')]);
    await applySnapshot(image, 'weird:tag@1');
    expect((await qemuIo(image, [ioPatternCommand('read', 0x01, 0, '2M')])).ok).toBe(true);
    await deleteSnapshot(image, 'a,b');
    expect((await imageInfo(image)).snapshots).toHaveLength(2);
  });

  it('reports a missing snapshot as QEMU_SNAPSHOT_MISSING and changes nothing', async () => {
    const image = await imageWith(0xab);
    await createSnapshot(image, 's1');
    expect(await codeOf(applySnapshot(image, 'nosuch'))).toBe('QEMU_SNAPSHOT_MISSING');
    expect(await codeOf(deleteSnapshot(image, 'nosuch'))).toBe('QEMU_SNAPSHOT_MISSING');
    expect((await imageInfo(image)).snapshots.map((s) => s.name)).toEqual(['s1']);
    expect((await qemuIo(image, [ioPatternCommand('read', 0xab, 0, '2M')])).ok).toBe(true);
  });

  it('refuses a duplicate tag (qemu-img would add a second one) and numeric tags', async () => {
    const image = await imageWith(0xab);
    await createSnapshot(image, 's1');
    expect(await codeOf(createSnapshot(image, 's1'))).toBe('QEMU_SNAPSHOT_EXISTS');
    expect(await codeOf(createSnapshot(image, '2'))).toBe('QEMU_BAD_ARGUMENT');
    expect(await codeOf(applySnapshot(image, '1'))).toBe('QEMU_BAD_ARGUMENT');
    expect((await imageInfo(image)).snapshots).toHaveLength(1);
  });

  it('reports a missing image as QEMU_IMAGE_MISSING', async () => {
    const missing = join(await sandbox.dir(), 'none.qcow2');
    expect(await codeOf(createSnapshot(missing, 's1'))).toBe('QEMU_IMAGE_MISSING');
    expect(await codeOf(applySnapshot(missing, 's1'))).toBe('QEMU_IMAGE_MISSING');
    expect(await codeOf(deleteSnapshot(missing, 's1'))).toBe('QEMU_IMAGE_MISSING');
  });
});
