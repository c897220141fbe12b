import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { createImage } from '../../../../src/qemu/img/create-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import { deleteSnapshot } from '../../../../src/qemu/img/snapshots.js';
import { QemuVm } from '../../../../src/qemu/vm/qemu-vm.js';
import { isProcessAlive } from '../../../../src/shared/process.js';
import {
  bootVms,
  checkStates,
  findVm,
  getStates,
  imagePath,
  setStates,
  showStates,
  shutdownVms,
  type StateContext,
  unsetStates,
  type VmTarget,
} from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { imageTarget, vmTarget, withParams } from '../../../helpers/states-targets.js';
import { failure } from '../../../helpers/failure.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs HMP commands on a running vm through a short-lived QMP connection. */
async function hmp(vm: VmTarget, ctx: StateContext, ...lines: string[]): Promise<string[]> {
  const running = await findVm(vm, ctx);
  if (running === undefined) throw new Error(`${vm.id} is not running`);
  const qemu = await QemuVm.attach(running.runDir);
  try {
    const out: string[] = [];
    for (const line of lines) out.push(await qemu.qmp.hmp(line));
    return out;
  } finally {
    await qemu.detach();
  }
}

/** The boot-sector guest's counter at 0x500. */
async function counter(vm: VmTarget, ctx: StateContext): Promise<number> {
  const [out = ''] = await hmp(vm, ctx, 'xp /1wx 0x500');
  const match = /: (0x[0-9a-f]+)/.exec(out);
  if (match?.[1] === undefined) throw new Error(`unexpected xp output ${out}`);
  return Number(match[1]);
}

describeQemu('qcow2vt backend: vm states of a running vm', () => {
  const sandbox = useQemuSandbox();

  async function setup(opts: { images?: number; runDir?: string } = {}) {
    const ws = await statesWorkspace(sandbox);
    const ctx = opts.runDir === undefined ? ws.ctx : { ...ws.ctx, runDir: opts.runDir };
    const images = ['image1', 'data'].slice(0, opts.images ?? 1).map((name) =>
      imageTarget(
        {
          image_name: `vm1/${name}`,
          images_base_dir: 'images',
          image_size: '16M',
          states: 'qcow2',
        },
        { vm: 'vm1', vmId: 'vm1-tiny', image: name },
      ),
    );
    const vm = vmTarget({ states: 'qcow2vt', mem: '64' }, images);
    const first = images[0];
    if (first === undefined) throw new Error('no image');
    const disk = imagePath(first, ws.dir);
    await mkdir(join(ws.dir, 'images', 'vm1'), { recursive: true });
    await createBootSectorGuest(disk);
    for (const image of images.slice(1))
      await createImage(imagePath(image, ws.dir), { size: '16M' });
    return { ...ws, ctx, vm, images, disk };
  }

  it('saves and restores RAM and disk of a running vm (the counter goes back)', async () => {
    const { ctx, vm, disk, events } = await setup();
    const [booted] = await bootVms([vm], ctx);
    expect(booted).toMatchObject({ op: 'boot', state: 'boot', action: 'created', existed: false });
    const running = await findVm(vm, ctx);
    expect(running?.qmpSocket).toBe(join(ctx.cwd, 'run', 'vm1-tiny', 'qmp.sock'));
    expect(events.some((e) => e.type === 'vm-booted')).toBe(true);
    for (let i = 0; i < 500 && (await counter(vm, ctx)) === 0; i++) await sleep(10);

    await hmp(vm, ctx, 'stop', 'qemu-io drv0 "write -P 0xab 1M 64k"');
    const saved = await counter(vm, ctx);
    expect(saved).toBeGreaterThan(0);
    const [set] = await setStates([withParams(vm, { set_state: 'c1' })], ctx);
    expect(set).toMatchObject({
      kind: 'vms',
      backend: 'qcow2vt',
      action: 'created',
      root: { state: 'boot', existed: true, action: 'kept' },
    });
    expect((await showStates([vm], ctx))[0]?.states.map((s) => s.name)).toEqual(['c1']);
    expect((await showStates([vm], ctx))[0]?.states[0]?.vmStateBytes).toBeGreaterThan(0);

    await hmp(vm, ctx, 'qemu-io drv0 "write -P 0xcd 1M 64k"', 'cont');
    await sleep(300);
    await hmp(vm, ctx, 'stop');
    const later = await counter(vm, ctx);
    expect(later - saved).toBeGreaterThan(10_000_000);

    const [get] = await getStates([withParams(vm, { get_state: 'c1' })], ctx);
    expect(get).toMatchObject({ action: 'restored' });
    // The restored guest runs again: stop it at once and look where it counts from.
    await hmp(vm, ctx, 'stop');
    const restored = await counter(vm, ctx);
    expect(restored).toBeGreaterThanOrEqual(saved);
    expect(restored).toBeLessThan(later);

    const [down] = await shutdownVms([vm], ctx);
    expect(down).toMatchObject({ op: 'shutdown', action: 'removed', existed: true });
    expect(await findVm(vm, ctx)).toBeUndefined();
    expect(events).toContainEqual(expect.objectContaining({ type: 'vm-stopped', method: 'quit' }));
    // The disk came back too, and the image is neither locked nor leaked.
    expect(await hasPattern(disk, 0xab, '1M', '64k')).toBe(true);
    expect((await imageInfo(disk)).snapshots.map((s) => [s.name, s.vmStateSize > 0])).toEqual([
      ['c1', true],
    ]);
    if (running !== undefined) expect(isProcessAlive(running.pid)).toBe(false);
  });

  it('keeps a vm state on every image, lists only complete ones, and refuses clashing tags', async () => {
    const { ctx, vm, images, disk } = await setup({ images: 2 });
    await setStates([withParams(vm, { set_state: 'both' })], ctx);
    const data = imagePath(images[1] as (typeof images)[number], ctx.cwd);
    for (const image of [disk, data]) {
      expect((await imageInfo(image, { forceShare: true })).snapshots.map((s) => s.name)).toEqual([
        'both',
      ]);
    }
    expect((await checkStates([withParams(vm, { check_state: 'both' })], ctx))[0]?.exists).toBe(
      true,
    );
    await setStates([withParams(vm, { set_state: 'partial' })], ctx);
    await shutdownVms([vm], ctx);
    await deleteSnapshot(data, 'partial');
    expect((await showStates([vm], ctx))[0]?.states.map((s) => s.name)).toEqual(['both']);
    const leftover = await failure(
      setStates([withParams(vm, { set_state: 'partial' })], ctx),
      CartographError,
    );
    expect(leftover.code).toBe('STATE_REFUSED');

    // Image states and vm states share the snapshot table: names never clash silently.
    const image = images[0] as (typeof images)[number];
    const asImage = await failure(
      setStates([withParams(image, { set_state: 'both' })], ctx),
      CartographError,
    );
    expect(asImage.code).toBe('STATE_REFUSED');
    await writePattern(disk, 0x11, '2M', '1M');
    await setStates([withParams(image, { set_state: 'disk-only' })], ctx);
    const asVm = await failure(
      setStates([withParams(vm, { set_state: 'disk-only' })], ctx),
      CartographError,
    );
    expect(asVm.code).toBe('STATE_REFUSED');
    expect((await showStates([image], ctx))[0]?.states.map((s) => s.name)).toEqual(['disk-only']);
    // The vm was booted for the vm state and stopped for the image state, as each needs.
    expect(await findVm(vm, ctx)).toBeDefined();
    await shutdownVms([vm], ctx);
  });

  it('overwrites, unsets (running or off) and follows its policies', async () => {
    const { ctx, vm, events } = await setup();
    expect(
      (
        await failure(
          getStates([withParams(vm, { get_state: 'x', check_mode: 'ra' })], ctx),
          CartographError,
        )
      ).code,
    ).toBe('STATE_ABORT');
    expect(await findVm(vm, ctx)).toBeUndefined();
    await setStates([withParams(vm, { set_state: 's' })], ctx);
    const [over] = await setStates([withParams(vm, { set_state: 's' })], ctx);
    expect(over).toMatchObject({ action: 'overwritten' });
    const [kept] = await setStates([withParams(vm, { set_state: 's', set_mode: 'rf' })], ctx);
    expect(kept?.action).toBe('kept');
    expect((await showStates([vm], ctx))[0]?.states.map((s) => s.name)).toEqual(['s']);
    const [removed] = await unsetStates([withParams(vm, { unset_state: 's' })], ctx);
    expect(removed?.action).toBe('removed');
    expect((await showStates([vm], ctx))[0]?.states).toEqual([]);

    await setStates([withParams(vm, { set_state: 't' })], ctx);
    await shutdownVms([vm], ctx);
    const [offline] = await unsetStates(
      [withParams(vm, { unset_state: 't', check_mode: 'ri' })],
      ctx,
    );
    expect(offline).toMatchObject({ action: 'removed', root: { action: 'ignored' } });
    expect(offline?.detail).toContain('off');
    expect(await findVm(vm, ctx)).toBeUndefined();
    // A vm state cannot be got from a vm that is off and stays off.
    await setStates([withParams(vm, { set_state: 'u' })], ctx);
    await shutdownVms([vm], ctx);
    expect(
      (
        await failure(
          getStates([withParams(vm, { get_state: 'u', check_mode: 'ri' })], ctx),
          CartographError,
        )
      ).code,
    ).toBe('STATE_MISSING');
    // boot twice: the second keeps the running vm; shutdown twice: the second ignores.
    await bootVms([vm], ctx);
    expect((await bootVms([vm], ctx))[0]?.action).toBe('kept');
    await shutdownVms([vm], ctx);
    expect((await shutdownVms([vm], ctx))[0]?.action).toBe('ignored');
    expect(
      (await failure(shutdownVms([withParams(vm, { unset_mode: 'fa' })], ctx), CartographError))
        .code,
    ).toBe('STATE_ABORT');
    expect(events.filter((e) => e.type === 'vm-booted').length).toBeGreaterThanOrEqual(3);
  });

  it('stops the vm before an image operation, and cleans up after a vm that was killed', async () => {
    const { ctx, vm, images, disk, events } = await setup();
    await bootVms([vm], ctx);
    const running = await findVm(vm, ctx);
    const image = images[0] as (typeof images)[number];
    const [set] = await setStates([withParams(image, { set_state: 'img' })], ctx);
    expect(set).toMatchObject({ action: 'created', root: { action: 'kept' } });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'vm-stopped', target: 'vm1-tiny', method: 'quit' }),
    );
    expect(await findVm(vm, ctx)).toBeUndefined();
    if (running !== undefined) expect(isProcessAlive(running.pid)).toBe(false);

    await bootVms([vm], ctx);
    const second = await findVm(vm, ctx);
    if (second === undefined) throw new Error('not running');
    process.kill(second.pid, 'SIGKILL');
    for (let i = 0; i < 400 && isProcessAlive(second.pid); i++) await sleep(5);
    expect(await findVm(vm, ctx)).toBeUndefined();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'vm-stale-cleaned', repaired: [disk] }),
    );
    expect((await imageInfo(disk)).snapshots.map((s) => s.name)).toEqual(['img']);
  });

  it('falls back to a short run directory when the wanted one is too long for a socket', async () => {
    const ws = await statesWorkspace(sandbox);
    const long = join(ws.dir, 'r'.repeat(120));
    const { ctx, vm, events } = await setup({ runDir: long });
    await bootVms([vm], ctx);
    const fallback = events.find((e) => e.type === 'run-dir-fallback');
    expect(fallback).toMatchObject({ wanted: join(long, 'vm1-tiny') });
    const running = await findVm(vm, ctx);
    expect(running?.qmpSocket.length).toBeLessThanOrEqual(107);
    expect(running?.runDir).toBe(fallback?.type === 'run-dir-fallback' ? fallback.used : '');
    await shutdownVms([vm], ctx);
    expect(await findVm(vm, ctx)).toBeUndefined();
  });
});
