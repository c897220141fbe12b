import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { compareImages } from '../../../../src/qemu/img/convert-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import {
  bootVms,
  checkStates,
  convertRawImage,
  createRoots,
  imagePath,
  probeStates,
  setStates,
  showStates,
  shutdownVms,
} from '../../../../src/states/index.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { holdImageLock } from '../../../helpers/qemu-lock-holder.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { imageTarget, vmTarget, withParams } from '../../../helpers/states-targets.js';
import { failure } from '../../../helpers/failure.js';

/** A raw image of `mib` MiB whose first MiB is `pattern` (and the rest zero). */
async function rawImage(path: string, mib: number, pattern: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(Buffer.alloc(1024 * 1024, pattern), 0, 1024 * 1024, 0);
    await file.truncate(mib * 1024 * 1024);
  } finally {
    await file.close();
  }
}

describeQemu('conversion of raw images, and read-only questions', () => {
  const sandbox = useQemuSandbox();

  async function setup() {
    const ws = await statesWorkspace(sandbox);
    const target = imageTarget(
      {
        image_name: 'vm1/disk',
        images_base_dir: 'images',
        raw_image: 'source.img',
        raw_image_dir: 'raw',
        states: 'qcow2',
      },
      { vmId: 'vm1-tiny' },
    );
    return {
      ...ws,
      target,
      path: imagePath(target, ws.dir),
      source: join(ws.dir, 'raw', 'source.img'),
    };
  }

  it('converts raw_image into a compressed qcow2 image at the image path', async () => {
    const { ctx, target, path, source, events } = await setup();
    const missing = await failure(convertRawImage(target, ctx), CartographError);
    expect(missing.code).toBe('STATE_MISSING');
    expect(missing.message).toContain(source);
    expect(
      (
        await failure(
          convertRawImage(withParams(target, { raw_image: undefined }), ctx),
          CartographError,
        )
      ).code,
    ).toBe('CFG_MISSING_PARAM');

    await mkdir(join(ctx.cwd, 'raw'));
    await rawImage(source, 32, 0x5a);
    const result = await convertRawImage(target, ctx);
    expect(result).toMatchObject({ op: 'convert', action: 'created', existed: false });
    expect((await imageInfo(path)).format).toBe('qcow2');
    expect(await compareImages(source, path, { formatA: 'raw' })).toBe(true);
    expect((await checkImage(path)).compressedClusters).toBeGreaterThan(0);
    expect(events).toContainEqual({
      type: 'image-converted',
      target: 'vm1-tiny/image1',
      image: path,
    });

    // Converting again replaces the image (an unlocked one).
    await writePattern(path, 0x01);
    expect((await convertRawImage(target, ctx)).action).toBe('overwritten');
    expect(await hasPattern(path, 0x5a)).toBe(true);

    // An image another process holds is left alone.
    await writePattern(path, 0x02);
    const inode = (await stat(path)).ino;
    const holder = await holdImageLock(path);
    expect((await failure(convertRawImage(target, ctx), CartographError)).code).toBe(
      'QEMU_IMAGE_LOCKED',
    );
    await holder.release();
    expect((await stat(path)).ino).toBe(inode);
    expect(await hasPattern(path, 0x02)).toBe(true);

    // create makes a missing root by conversion too (raw_image wins over image_size).
    await createRoots([withParams(target, { check_mode: 'ff', image_size: '1M' })], ctx);
    expect(await hasPattern(path, 0x5a)).toBe(true);
    expect((await imageInfo(path)).virtualSize).toBe(32 * 1024 * 1024);
  });

  it('answers many existence questions at once without changing anything', async () => {
    const { ctx } = await statesWorkspace(sandbox);
    const images = ['a', 'b', 'c'].map((name) =>
      imageTarget(
        {
          image_name: `vm1/${name}`,
          images_base_dir: 'images',
          image_size: '4M',
          swarm_pool: 'pool',
          states: name === 'c' ? 'qcow2ext' : 'qcow2',
        },
        { image: name },
      ),
    );
    const vm = vmTarget({}, images.slice(0, 2));
    const [a, b, c] = images as [(typeof images)[0], (typeof images)[0], (typeof images)[0]];
    await createRoots(images, ctx);
    await setStates([withParams(a, { set_state: 's1' }), withParams(c, { set_state: 'e1' })], ctx);
    const answers = await probeStates(
      [
        { target: a, state: 's1' },
        { target: a, state: 's2' },
        { target: b, state: 's1' },
        { target: c, state: 'e1' },
        { target: c, state: 'e2' },
        { target: a, state: 'root' },
        { target: vm, state: 'boot' },
        { target: vm, state: 'v1' },
      ],
      ctx,
    );
    expect(answers).toEqual([true, false, false, true, false, true, false, false]);
    expect(
      (await failure(probeStates([{ target: a, state: 'no good' }], ctx), CartographError)).code,
    ).toBe('STATE_BAD_NAME');
    expect(
      (await failure(probeStates([{ target: a, state: 'boot' }], ctx), CartographError)).code,
    ).toBe('STATE_BAD_NAME');

    const checked = await checkStates(
      [withParams(a, { check_state: 's1' }), b, withParams(c, { check_state: 'nope' })],
      ctx,
    );
    expect(checked.map((r) => [r.target, r.state, r.exists])).toEqual([
      ['vm1/a', 's1', true],
      ['vm1/c', 'nope', false],
    ]);

    // A running vm holds its images: show and probes still read them (-U).
    await bootVms([vm], ctx);
    const shown = await showStates([a, b, c, vm], ctx);
    expect(shown.map((s) => [s.target, s.backend, s.root, s.states.map((x) => x.name)])).toEqual([
      ['vm1/a', 'qcow2', true, ['s1']],
      ['vm1/b', 'qcow2', true, []],
      ['vm1/c', 'qcow2ext', true, ['e1']],
      ['vm1', 'qcow2vt', true, []],
    ]);
    expect(
      await probeStates(
        [
          { target: vm, state: 'boot' },
          { target: a, state: 'root' },
        ],
        ctx,
      ),
    ).toEqual([
      true,
      // An image's root counts only while its vm is off (image states need it off).
      false,
    ]);
    await shutdownVms([vm], ctx);
  });

  it('rejects unknown backends and image formats by name', async () => {
    const { ctx } = await statesWorkspace(sandbox);
    const image = imageTarget({ image_name: 'x', states: 'lvm' });
    const bad = await failure(showStates([image], ctx), CartographError);
    expect(bad.code).toBe('STATE_BAD_BACKEND');
    expect(bad.message).toContain('lvm');
    const vm = vmTarget({ states: 'qcow2' }, []);
    expect((await failure(showStates([vm], ctx), CartographError)).code).toBe('STATE_BAD_BACKEND');
    const raw = imageTarget({ image_name: 'r', image_format: 'raw', image_size: '1M' });
    await createRoots([raw], ctx);
    expect((await stat(join(ctx.cwd, 'r'))).size).toBe(1024 * 1024);
    expect(
      (await failure(setStates([withParams(raw, { set_state: 's' })], ctx), CartographError)).code,
    ).toBe('STATE_BAD_BACKEND');
  });
});
