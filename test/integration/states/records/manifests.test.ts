import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSnapshot, deleteSnapshot } from '../../../../src/qemu/img/snapshots.js';
import {
  bootVms,
  checkStates,
  createRoots,
  getStates,
  imagePath,
  inspectStates,
  poolDir,
  popStates,
  probeStates,
  pushStates,
  setStates,
  showStates,
  shutdownVms,
  type StateContext,
  type StateManifest,
  type StateManifestInput,
  type StateTarget,
  unsetStates,
} from '../../../../src/states/index.js';
import { createBootSectorGuest } from '../../../helpers/boot-sector-guest.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { imageTarget, pooledImage, vmTarget, withParams } from '../../../helpers/states-targets.js';

/**
 * Manifests: written by every set that is given one, replaced by an overwrite, removed by unset
 * and pop; what `inspectStates` makes of states with, without and with broken manifests, and of
 * states an interrupted write left.
 */
const input = (key: string): StateManifestInput => ({
  key,
  producer: 'install@vm1-tiny',
  parents: { 'root@vm1-tiny/image1': 'r00t' },
  inputs: { version: 1, params: { node: { a: '1' } } },
});

describeQemu('state manifests', () => {
  const sandbox = useQemuSandbox();

  async function imageSetup(states: string) {
    const ws = await statesWorkspace(sandbox);
    const image = pooledImage({ states });
    await createRoots([image], ws.ctx);
    await writePattern(imagePath(image, ws.dir), 0x11);
    let key = 'k1';
    const ctx: StateContext = { ...ws.ctx, manifestFor: () => input(key) };
    const setKey = (k: string) => {
      key = k;
    };
    const inspect = async (target: StateTarget, state: string) =>
      (await inspectStates([{ target, state }], ctx))[0];
    return { ...ws, ctx, image, setKey, inspect };
  }

  const manifestFile = (dir: string, backend: string, state: string): string =>
    backend === 'qcow2ext'
      ? join(dir, 'pool', 'vm1-tiny', 'image1', `${state}.json`)
      : join(dir, 'images', 'vm1', '.disk.qcow2.states', 'images', `${state}.json`);

  for (const backend of ['qcow2ext', 'qcow2'] as const) {
    it(`writes, replaces and removes manifests (${backend})`, async () => {
      const { ctx, image, dir, setKey, inspect } = await imageSetup(backend);
      const file = manifestFile(dir, backend, 'install');
      const before = Date.now();
      await setStates([withParams(image, { set_state: 'install' })], ctx);
      const written = JSON.parse(await readFile(file, 'utf8')) as StateManifest;
      expect(written).toMatchObject({
        format: 1,
        state: 'install',
        object: 'vm1-tiny/image1',
        backend,
        key: 'k1',
        producer: 'install@vm1-tiny',
        parents: { 'root@vm1-tiny/image1': 'r00t' },
        inputs: { version: 1, params: { node: { a: '1' } } },
      });
      expect(written.cartograph).toMatch(/^\d+\.\d+\.\d+/);
      expect(Date.parse(written.createdAt)).toBeGreaterThanOrEqual(before - 1000);
      if (backend === 'qcow2ext') {
        expect(written.size).toBe((await stat(join(poolDir(image, dir), 'install.qcow2'))).size);
        expect(written.snapshot).toBeUndefined();
      } else {
        expect(written.snapshot).toMatchObject({ id: expect.any(String) as string });
        expect(written.size).toBeGreaterThanOrEqual(0);
      }
      const seen = await inspect(image, 'install');
      expect(seen).toMatchObject({ exists: true, trust: 'manifest', manifest: { key: 'k1' } });

      // An overwrite replaces it.
      setKey('k2');
      await writePattern(imagePath(image, dir), 0x22);
      await setStates([withParams(image, { set_state: 'install' })], ctx);
      expect(await inspect(image, 'install')).toMatchObject({
        trust: 'manifest',
        manifest: { key: 'k2' },
      });

      // A restore records the use (the manifest's time stamp), not a new content.
      await utimes(file, new Date(0), new Date(0));
      await getStates([withParams(image, { get_state: 'install' })], ctx);
      expect((await stat(file)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
      expect((await inspect(image, 'install'))?.manifest?.key).toBe('k2');

      // Unset removes it; so does pop.
      await unsetStates([withParams(image, { unset_state: 'install' })], ctx);
      expect(existsSync(file)).toBe(false);
      expect(await inspect(image, 'install')).toEqual({ exists: false, trust: 'missing' });
      await pushStates([withParams(image, { push_state: 'tmp' })], ctx);
      expect(existsSync(manifestFile(dir, backend, 'tmp'))).toBe(true);
      await popStates([withParams(image, { pop_state: 'tmp' })], ctx);
      expect(existsSync(manifestFile(dir, backend, 'tmp'))).toBe(false);
    });
  }

  it('tells unverified, broken and incomplete states from trusted ones', async () => {
    const { ctx, image, dir, inspect } = await imageSetup('qcow2ext');
    // Made by hand: no manifest.
    await setStates([withParams(image, { set_state: 'byhand' })], {
      ...ctx,
      manifestFor: undefined,
    });
    expect(await inspect(image, 'byhand')).toEqual({ exists: true, trust: 'unverified' });
    // A manifest that does not parse, or describes something else, does not count.
    const pool = poolDir(image, dir);
    await setStates([withParams(image, { set_state: 'broken' })], ctx);
    await writeFile(join(pool, 'broken.json'), '{ "format": 1, ');
    expect((await inspect(image, 'broken'))?.trust).toBe('unverified');
    await setStates([withParams(image, { set_state: 'other' })], ctx);
    const m = JSON.parse(await readFile(join(pool, 'other.json'), 'utf8')) as StateManifest;
    await writeFile(join(pool, 'other.json'), JSON.stringify({ ...m, object: 'vm2/image1' }));
    expect((await inspect(image, 'other'))?.trust).toBe('unverified');
    // A marker: incomplete, whatever else is there; probes and checks count it as missing.
    await writeFile(
      join(pool, '.other.writing'),
      JSON.stringify({ pid: 1, host: 'x', token: 't' }),
    );
    expect(await inspect(image, 'other')).toEqual({ exists: true, trust: 'incomplete' });
    expect(await probeStates([{ target: image, state: 'other' }], ctx)).toEqual([false]);
    expect((await checkStates([withParams(image, { check_state: 'other' })], ctx))[0]?.exists).toBe(
      false,
    );
    // show lists each state with its trust.
    expect((await showStates([image], ctx))[0]?.states.map((s) => [s.name, s.trust])).toEqual([
      ['broken', 'unverified'],
      ['byhand', 'unverified'],
      ['other', 'incomplete'],
    ]);
    expect(await inspect(image, 'nothing')).toEqual({ exists: false, trust: 'missing' });
    expect(await inspect(image, 'root')).toEqual({ exists: true, trust: 'unverified' });
  });

  it('does not take a manifest for a snapshot made later under the same name', async () => {
    const { ctx, image, dir, inspect } = await imageSetup('qcow2');
    await setStates([withParams(image, { set_state: 's' })], ctx);
    expect((await inspect(image, 's'))?.trust).toBe('manifest');
    const path = imagePath(image, dir);
    await deleteSnapshot(path, 's');
    await createSnapshot(path, 's');
    expect((await inspect(image, 's'))?.trust).toBe('unverified');
  });

  it('cleans up after an interrupted write once the image is no longer held by a vm', async () => {
    const ws = await statesWorkspace(sandbox);
    const disk = imageTarget({ image_name: 'guest', images_base_dir: 'images', image_size: '16M' });
    const vm = vmTarget({ mem: '32' }, [disk]);
    const ctx: StateContext = { ...ws.ctx, manifestFor: () => input('k') };
    await createRoots([disk], ctx);
    await setStates([withParams(disk, { set_state: 's' })], ctx);
    const records = join(ws.dir, 'images', '.guest.qcow2.states', 'images');
    await bootVms([vm], ctx);
    try {
      await writeFile(
        join(records, '.s.writing'),
        JSON.stringify({ pid: spawnSync('true').pid, host: hostname(), token: 't', op: 'set' }),
      );
      // The vm holds the image: an operation on the vm cannot clean up the image state yet.
      const [booted] = await bootVms([vm], ctx);
      expect(booted?.detail).toContain('could not clean up image state "s"');
      expect((await inspectStates([{ target: disk, state: 's' }], ctx))[0]?.trust).toBe(
        'incomplete',
      );
      // An image operation stops the vm first, and then it can.
      const [again] = await setStates([withParams(disk, { set_state: 's' })], ctx);
      expect(again).toMatchObject({ action: 'created' });
      expect(again?.detail).toContain('cleaned up image state "s"');
      expect((await inspectStates([{ target: disk, state: 's' }], ctx))[0]?.trust).toBe('manifest');
    } finally {
      await shutdownVms([vm], ctx);
    }
  });

  it('removes the half-written marker a writer killed before its rename left', async () => {
    const { ctx, image, dir } = await imageSetup('qcow2ext');
    await setStates([withParams(image, { set_state: 's' })], ctx);
    const pool = join(dir, 'pool', 'vm1-tiny', 'image1');
    const dead = spawnSync('true').pid;
    // What writeJsonAtomic of ".s.writing" leaves when killed before the rename; a live
    // writer's temporary file is never touched.
    const deadTemp = join(pool, `..s.writing.${dead}.0a1b2c3d.tmp`);
    const liveTemp = join(pool, `..s.writing.${process.ppid}.0a1b2c3d.tmp`);
    await writeFile(deadTemp, '{"pid":');
    await writeFile(liveTemp, '{"pid":');
    const [next] = await setStates([withParams(image, { set_state: 't' })], ctx);
    expect(next).toMatchObject({ action: 'created' });
    expect(existsSync(deadTemp)).toBe(false);
    expect(existsSync(liveTemp)).toBe(true);
  });

  it('writes manifests of vm states next to the first image', async () => {
    const ws = await statesWorkspace(sandbox);
    const disk = imageTarget({ image_name: 'guest', images_base_dir: 'images' });
    await mkdir(join(ws.dir, 'images'));
    await createBootSectorGuest(imagePath(disk, ws.dir), 16);
    const vm = vmTarget({ mem: '32' }, [disk]);
    const ctx: StateContext = { ...ws.ctx, manifestFor: () => input('kvm') };
    await bootVms([vm], ctx);
    try {
      await setStates([withParams(vm, { set_state: 'on' })], ctx);
      const file = join(ws.dir, 'images', '.guest.qcow2.states', 'vms', 'on.json');
      const m = JSON.parse(await readFile(file, 'utf8')) as StateManifest;
      expect(m).toMatchObject({ backend: 'qcow2vt', object: 'vm1', state: 'on', key: 'kvm' });
      // The saved RAM is part of what the state takes.
      expect(m.size).toBeGreaterThan(100_000);
      expect((await inspectStates([{ target: vm, state: 'on' }], ctx))[0]?.trust).toBe('manifest');
      await unsetStates([withParams(vm, { unset_state: 'on' })], ctx);
      expect(existsSync(file)).toBe(false);
    } finally {
      await shutdownVms([vm], ctx);
    }
  });
});
