import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { StateError } from '../../../../src/errors.js';
import { QemuVm } from '../../../../src/qemu/index.js';
import {
  bootVms,
  checkStates,
  findVm,
  getStates,
  imagePath,
  inspectStates,
  listStoredStates,
  poolDir,
  recoverStates,
  setStates,
  showStates,
  shutdownVms,
  type StateContext,
  unsetStates,
  verifyStates,
  type VmTarget,
} from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { failure } from '../../../helpers/failure.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { pooledImage, vmTarget, withParams } from '../../../helpers/states-targets.js';

/** HMP on a short-lived QMP connection to the running vm. */
async function hmp(vm: VmTarget, ctx: StateContext, line: string): Promise<string> {
  const running = await findVm(vm, ctx);
  if (running === undefined) throw new Error(`${vm.id} is not running`);
  const qemu = await QemuVm.attach(running.runDir);
  try {
    return await qemu.qmp.hmp(line);
  } finally {
    await qemu.detach();
  }
}

/** The boot-sector guest's counter at 0x500, read with the vm stopped. */
async function counter(vm: VmTarget, ctx: StateContext): Promise<number> {
  const out = await hmp(vm, ctx, 'xp /1wx 0x500');
  const match = /: (0x[0-9a-f]+)/.exec(out);
  if (match?.[1] === undefined) throw new Error(`unexpected xp output ${out}`);
  return Number(match[1]);
}

/**
 * ramfile vm states: the RAM as a migration stream in the pool beside qcow2ext image states of
 * the same name; a get resumes the vm from it on fresh overlays (no boot), so the state is
 * never inside an image a get replaces.
 */
describeQemu('ramfile backend: vm states as files in the pool', () => {
  const sandbox = useQemuSandbox();

  async function setup(extra: Record<string, string> = {}) {
    const ws = await statesWorkspace(sandbox);
    const image = pooledImage();
    await mkdir(join(ws.dir, 'images', 'vm1'), { recursive: true });
    await createBootSectorGuest(imagePath(image, ws.dir), 16);
    const vm = vmTarget({ states: 'ramfile', swarm_pool: 'pool', mem: '32', ...extra }, [image]);
    const ctx: StateContext = {
      ...ws.ctx,
      manifestFor: () => ({ key: 'k', producer: 'test', parents: {} }),
    };
    return { ...ws, ctx, vm, image };
  }

  it('saves RAM and disks, restores them without a boot, and lists and removes the state', async () => {
    const { ctx, dir, vm, image } = await setup();
    await bootVms([vm], ctx);
    // SeaBIOS reaches the boot sector some tens of milliseconds after the start.
    for (let i = 0; i < 500 && (await counter(vm, ctx)) === 0; i++) await sleep(10);
    await hmp(vm, ctx, 'qemu-io drv0 "write -P 0xab 1M 64k"');
    await hmp(vm, ctx, 'stop');
    const saved = await counter(vm, ctx);
    expect(saved).toBeGreaterThan(0);
    const [set] = await setStates([withParams(vm, { set_state: 'c1' })], ctx);
    expect(set).toMatchObject({ backend: 'ramfile', action: 'created' });
    // The vm is off; the RAM is a file beside the disk state of the same name.
    expect(await findVm(vm, ctx)).toBeUndefined();
    const ram = join(dir, 'pool', 'vm1-tiny', 'c1.ram');
    expect(existsSync(ram)).toBe(true);
    expect(existsSync(join(poolDir(image, dir), 'c1.qcow2'))).toBe(true);
    expect((await showStates([vm], ctx))[0]?.states.map((s) => [s.name, s.trust])).toEqual([
      ['c1', 'manifest'],
    ]);
    expect((await checkStates([withParams(vm, { check_state: 'c1' })], ctx))[0]?.exists).toBe(true);

    // The image changes on its own (another image state got, written over)…
    await writePattern(imagePath(image, dir), 0xcd, '1M', '64k');
    const [get] = await getStates([withParams(vm, { get_state: 'c1' })], ctx);
    expect(get).toMatchObject({ action: 'restored' });
    // …and the restored vm runs again from where it was saved, on the saved disk.
    await hmp(vm, ctx, 'stop');
    const restored = await counter(vm, ctx);
    expect(restored).toBeGreaterThanOrEqual(saved);
    await shutdownVms([vm], ctx);
    expect(await hasPattern(imagePath(image, dir), 0xab, '1M', '64k')).toBe(true);

    // verify and gc see it with the other stored states.
    const stored = await listStoredStates([vm], ctx);
    expect(stored.filter((x) => x.backend === 'ramfile')).toMatchObject([
      { state: 'c1', exists: true, trust: 'manifest', file: ram },
    ]);
    const verified = await verifyStates([vm], ctx);
    expect(verified.entries.filter((e) => e.backend === 'ramfile')).toMatchObject([
      { state: 'c1', problems: [] },
    ]);
    const [unset] = await unsetStates([withParams(vm, { unset_state: 'c1' })], ctx);
    expect(unset).toMatchObject({ action: 'removed' });
    expect(existsSync(ram)).toBe(false);
    expect((await showStates([vm], ctx))[0]?.states).toEqual([]);
  });

  it('refuses a load into other hardware, and images that do not keep qcow2ext states', async () => {
    const { ctx, vm } = await setup();
    await bootVms([vm], ctx);
    await setStates([withParams(vm, { set_state: 'c1' })], ctx);
    const bigger = withParams(vm, { mem: '48', get_state: 'c1' });
    const error = await failure(getStates([bigger], ctx), StateError);
    expect(error.code).toBe('STATE_HARDWARE_MISMATCH');
    expect(error.message).toContain('mem 32 MiB → 48 MiB');
    const internal: VmTarget = {
      ...vm,
      images: vm.images.map((i) => withParams(i, { states: 'qcow2' })),
    };
    const bad = await failure(
      setStates([withParams(internal, { set_state: 'c2' })], ctx),
      StateError,
    );
    expect(bad.code).toBe('STATE_BAD_BACKEND');
    await shutdownVms([vm], ctx);
  });

  it('discards what a writer killed in the middle of a set left, image put back', async () => {
    const { ctx, dir, vm, image } = await setup();
    await writePattern(imagePath(image, dir), 0x5a, '2M', '64k');
    // What a set killed while streaming the RAM leaves: its marker and a temporary file.
    const pool = join(dir, 'pool', 'vm1-tiny');
    await mkdir(pool, { recursive: true });
    const dead = spawnSync('true').pid;
    await writeFile(
      join(pool, '.c3.writing'),
      JSON.stringify({
        format: 1,
        pid: dead,
        host: hostname(),
        token: 't',
        owner: 'x',
        startedAt: new Date().toISOString(),
        op: 'set',
        state: 'c3',
        object: vm.id,
        backend: 'ramfile',
      }),
    );
    await writeFile(join(pool, `.c3.ram.${dead}.0a1b2c3d.tmp`), 'half a stream');
    expect((await inspectStates([{ target: vm, state: 'c3' }], ctx))[0]?.trust).toBe('incomplete');
    const recovered = await recoverStates([vm], ctx);
    expect(recovered).toMatchObject([{ backend: 'ramfile', state: 'c3', done: true }]);
    expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await inspectStates([{ target: vm, state: 'c3' }], ctx))[0]?.trust).toBe('missing');
    // The image keeps what it had.
    expect(await hasPattern(imagePath(image, dir), 0x5a, '2M', '64k')).toBe(true);
  });
});
