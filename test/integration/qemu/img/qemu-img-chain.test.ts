import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QemuCommandError } from '../../../../src/qemu/errors.js';
import {
  backingChainInfo,
  commitImage,
  rebaseImage,
} from '../../../../src/qemu/img/backing-chain.js';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { compareImages, convertImage } from '../../../../src/qemu/img/convert-image.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { ioPatternCommand, qemuIo } from '../../../../src/qemu/img/qemu-io.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';

const read = ioPatternCommand.bind(null, 'read');
const write = ioPatternCommand.bind(null, 'write');

async function holds(
  image: string,
  pattern: number,
  offset: string,
  length: string,
): Promise<boolean> {
  return (await qemuIo(image, [read(pattern, offset, length)])).ok;
}

describeQemu('qemu-img backing chains: create -b, info --backing-chain, commit, rebase', () => {
  const sandbox = useQemuSandbox();

  /** base (0xaa at 0) ← mid (0xbb at 1M) ← top (0xcc at 2M), relative backing names. */
  async function chain(): Promise<{ dir: string; base: string; mid: string; top: string }> {
    const dir = await sandbox.dir();
    const [base, mid, top] = ['base.qcow2', 'mid.qcow2', 'top.qcow2'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    await createImage(base, { size: '64M' });
    await qemuIo(base, [write(0xaa, 0, '1M')]);
    await createImage(mid, { backingFile: 'base.qcow2' });
    await qemuIo(mid, [write(0xbb, '1M', '1M')]);
    await createImage(top, { backingFile: 'mid.qcow2' });
    await qemuIo(top, [write(0xcc, '2M', '1M')]);
    return { dir, base, mid, top };
  }

  it('lists the chain top first, relative names resolved against the overlay directory', async () => {
    const { dir, top } = await chain();
    const infos = await backingChainInfo(top);
    expect(infos.map((i) => i.backingFilename)).toEqual(['mid.qcow2', 'base.qcow2', undefined]);
    expect(infos[0]).toMatchObject({
      fullBackingFilename: join(dir, 'mid.qcow2'),
      backingFormat: 'qcow2',
      virtualSize: 64 * 1024 * 1024,
    });
    expect(await holds(top, 0xaa, '0', '1M')).toBe(true);
    expect(await holds(top, 0xbb, '1M', '1M')).toBe(true);
    expect(await holds(top, 0xcc, '2M', '1M')).toBe(true);
  });

  it('names a missing backing file: QEMU_IMAGE_MISSING', async () => {
    const { dir, top } = await chain();
    await rename(join(dir, 'base.qcow2'), join(dir, 'moved.qcow2'));
    const error = await backingChainInfo(top).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QemuCommandError);
    expect(error).toMatchObject({ code: 'QEMU_IMAGE_MISSING', image: join(dir, 'base.qcow2') });
    // Plain info of the top still works: it does not open the chain.
    expect((await imageInfo(top)).backingFilename).toBe('mid.qcow2');
    expect(await checkImage(top).catch((e: unknown) => e)).toMatchObject({
      code: 'QEMU_IMAGE_MISSING',
    });
    const created = await createImage(join(dir, 'x.qcow2'), { backingFile: 'base.qcow2' }).catch(
      (e: unknown) => e,
    );
    expect(created).toMatchObject({ code: 'QEMU_IMAGE_MISSING', image: join(dir, 'base.qcow2') });
  });

  it('commits an overlay into its backing file, emptying it unless drop', async () => {
    const { base, mid, top } = await chain();
    await commitImage(top);
    expect(await holds(mid, 0xcc, '2M', '1M')).toBe(true);
    // top is emptied but still shows the data through its backing file.
    expect((await imageInfo(top)).actualSize).toBeLessThan(1024 * 1024);
    expect(await holds(top, 0xcc, '2M', '1M')).toBe(true);

    await qemuIo(top, [write(0xdd, '3M', '64k')]);
    await commitImage(top, { drop: true });
    expect(await holds(mid, 0xdd, '3M', '64k')).toBe(true);
    expect(await holds(base, 0xdd, '3M', '64k')).toBe(false);
  });

  it('commits straight into the bottom of a three-level chain with base', async () => {
    const { base, top } = await chain();
    await commitImage(top, { base });
    expect(await holds(base, 0xbb, '1M', '1M')).toBe(true);
    expect(await holds(base, 0xcc, '2M', '1M')).toBe(true);
  });

  it('rebases unsafely onto a copy, and safely onto nothing (flatten), keeping the content', async () => {
    const { dir, base, mid, top } = await chain();
    const flat = join(dir, 'flat-before.qcow2');
    await convertImage(top, flat);

    const copy = join(dir, 'base-copy.qcow2');
    await convertImage(base, copy);
    await rebaseImage(mid, { backingFile: copy, unsafe: true });
    expect((await imageInfo(mid)).backingFilename).toBe(copy);
    expect(await compareImages(top, flat)).toBe(true);

    await rebaseImage(top, { backingFile: null });
    expect((await imageInfo(top)).backingFilename).toBeUndefined();
    expect(await backingChainInfo(top)).toHaveLength(1);
    expect(await compareImages(top, flat)).toBe(true);
  });

  it('rebases safely onto an empty image: data of the old chain is copied up', async () => {
    const { dir, top } = await chain();
    const empty = join(dir, 'empty.qcow2');
    await createImage(empty, { size: '64M' });
    await rebaseImage(top, { backingFile: 'empty.qcow2' });
    expect((await imageInfo(top)).fullBackingFilename).toBe(empty);
    expect(await holds(top, 0xaa, '0', '1M')).toBe(true);
    expect(await holds(top, 0xbb, '1M', '1M')).toBe(true);
  });
});
