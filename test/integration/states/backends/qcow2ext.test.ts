import { cp, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import {
  createRoots,
  getStates,
  imagePath,
  type ImageTarget,
  poolDir,
  popStates,
  pushStates,
  setStates,
  showStates,
  type StateContext,
  unsetStates,
} from '../../../../src/states/index.js';
import { otherFilesystem } from '../../../helpers/other-filesystem.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { holdImageLock } from '../../../helpers/qemu-lock-holder.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { pooledImage, withParams } from '../../../helpers/states-targets.js';
import { failure } from '../../../helpers/failure.js';

const OTHER_FS = otherFilesystem(tmpdir());
const shmDirs: string[] = [];
afterAll(async () => {
  for (const dir of shmDirs) await rm(dir, { recursive: true, force: true });
});

describeQemu('qcow2ext backend: image states as external chains in a pool', () => {
  const sandbox = useQemuSandbox();

  async function setup(extra: Record<string, string> = {}) {
    const ws = await statesWorkspace(sandbox);
    const target = pooledImage(extra);
    const path = imagePath(target, ws.dir);
    const pool = poolDir(target, ws.dir);
    const ctx = ws.ctx;
    const set = (state: string, more: Record<string, string> = {}) =>
      setStates([withParams(target, { set_state: state, ...more })], ctx);
    const get = (state: string, more: Record<string, string> = {}) =>
      getStates([withParams(target, { get_state: state, ...more })], ctx);
    const unset = (state: string, more: Record<string, string> = {}) =>
      unsetStates([withParams(target, { unset_state: state, ...more })], ctx);
    const names = async (): Promise<string[]> =>
      ((await showStates([target], ctx))[0]?.states ?? []).map((s) => s.name);
    return { ...ws, target, path, pool, set, get, unset, names };
  }

  const backingName = async (file: string): Promise<string | undefined> =>
    (await imageInfo(file, { forceShare: true })).backingFilename;

  it('saves the active image as a state by moving it, and chains states', async () => {
    const { target, ctx, path, pool, set, get, names } = await setup();
    expect(pool).toBe(join(ctx.cwd, 'pool', 'vm1-tiny', 'image1'));
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    const before = (await stat(path)).ino;

    const [s1] = await set('s1');
    expect(s1).toMatchObject({ action: 'created', backend: 'qcow2ext' });
    expect(s1?.detail).toContain('moved, not copied');
    // The very file of the active image became the state: no copy.
    expect((await stat(join(pool, 's1.qcow2'))).ino).toBe(before);
    expect(await backingName(path)).toBe(join(pool, 's1.qcow2'));
    expect(await hasPattern(path, 0x11)).toBe(true);

    await writePattern(path, 0x22, '1M', '1M');
    await set('s2');
    // Inside the pool, links are bare names: the pool can move as a whole.
    expect(await backingName(join(pool, 's2.qcow2'))).toBe('s1.qcow2');
    expect(await names()).toEqual(['s1', 's2']);

    await writePattern(path, 0x33, 0, '2M');
    await get('s1');
    expect(await hasPattern(path, 0x11)).toBe(true);
    expect(await hasPattern(path, 0x22, '1M', '1M')).toBe(false);
    await get('s2');
    expect(await hasPattern(path, 0x11)).toBe(true);
    expect(await hasPattern(path, 0x22, '1M', '1M')).toBe(true);

    // A copy of the pool elsewhere still resolves its chain.
    const copy = join(ctx.cwd, 'pool-copy');
    await cp(pool, copy, { recursive: true });
    expect(await hasPattern(join(copy, 's2.qcow2'), 0x11)).toBe(true);
  });

  it('lists only valid state files of the pool', async () => {
    const { target, ctx, pool, set, names } = await setup();
    await createRoots([target], ctx);
    await set('good');
    for (const junk of [
      '.good.qcow2.1.ab.tmp',
      'bad name.qcow2',
      'root.qcow2',
      '123.qcow2',
      'notes.txt',
    ]) {
      await writeFile(join(pool, junk), '');
    }
    expect(await names()).toEqual(['good']);
    const [shown] = await showStates([target], ctx);
    expect(shown?.states[0]?.fileBytes).toBeGreaterThan(0);
  });

  it('overwrites the state the image was built on by committing into it', async () => {
    const { target, ctx, path, pool, set, get, names } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await set('base');
    await get('base');
    await writePattern(path, 0x44, '2M', '1M');
    const [again] = await set('base');
    expect(again).toMatchObject({ action: 'overwritten', existed: true });
    expect(again?.detail).toContain('committed');
    expect(await hasPattern(join(pool, 'base.qcow2'), 0x44, '2M', '1M')).toBe(true);
    expect(await hasPattern(join(pool, 'base.qcow2'), 0x11)).toBe(true);
    await writePattern(path, 0x55, '2M', '1M');
    await get('base');
    expect(await hasPattern(path, 0x44, '2M', '1M')).toBe(true);
    expect(await names()).toEqual(['base']);
    expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('replaces a sibling built on the same state', async () => {
    const { target, ctx, path, pool, set, get } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await set('base');
    await writePattern(path, 0x22, '1M', '1M');
    await set('left');
    await get('base');
    await writePattern(path, 0x33, '1M', '1M');
    const [replaced] = await set('left');
    expect(replaced?.detail).toContain('sibling');
    expect(await backingName(join(pool, 'left.qcow2'))).toBe('base.qcow2');
    await get('left');
    expect(await hasPattern(path, 0x33, '1M', '1M')).toBe(true);
    expect(await hasPattern(path, 0x11)).toBe(true);
  });

  it('refuses overwrites that would corrupt a chain, and changes nothing', async () => {
    const { target, ctx, path, pool, set, get } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await set('base');
    await writePattern(path, 0x22, '1M', '1M');
    await set('child');
    // Built on base, which has a child: committing into base would change the child.
    await get('base');
    await writePattern(path, 0x66);
    const children = await failure(set('base'), CartographError);
    expect(children.code).toBe('STATE_REFUSED');
    expect(children.message).toContain('"child"');
    expect(await hasPattern(join(pool, 'base.qcow2'), 0x11)).toBe(true);
    expect(await hasPattern(join(pool, 'child.qcow2'), 0x22, '1M', '1M')).toBe(true);
    // Neither built on it nor a sibling: a state of another chain.
    await createRoots([withParams(target, { check_mode: 'ff' })], ctx);
    await writePattern(path, 0x77);
    await set('other');
    await get('child');
    const unrelated = await failure(set('other'), CartographError);
    expect(unrelated.code).toBe('STATE_REFUSED');
    expect(unrelated.message).toContain('state "child"');
    expect(await hasPattern(join(pool, 'other.qcow2'), 0x77)).toBe(true);
    // The image is still usable afterwards.
    expect(await hasPattern(path, 0x22, '1M', '1M')).toBe(true);
  });

  it('refuses to unset a state others are built on unless forced, then names what it took down', async () => {
    const { target, ctx, path, pool, set, unset, names, events } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await set('a');
    await writePattern(path, 0x22, '1M', '1M');
    await set('b');
    await writePattern(path, 0x33, '2M', '1M');
    await set('c');
    await writePattern(path, 0x44, '3M', '1M');

    const refused = await failure(unset('a'), CartographError);
    expect(refused.code).toBe('STATE_REFUSED');
    expect(refused.message).toContain('"b"');
    expect(refused.message).toContain('"c"');
    expect(await names()).toEqual(['a', 'b', 'c']);

    const [forced] = await unset('a', { unset_dependents: 'yes' });
    expect(forced?.action).toBe('removed');
    expect(forced?.detail).toContain('"b"');
    expect(forced?.detail).toContain('rebased');
    expect(events).toContainEqual({
      type: 'states-removed',
      target: 'vm1-tiny/image1',
      state: 'a',
      dependents: ['c', 'b'],
    });
    expect(await names()).toEqual([]);
    expect(await readdir(pool)).toEqual([]);
    // The active image was built on c: it keeps all its content, standing alone now.
    expect(await backingName(path)).toBeUndefined();
    for (const [p, off] of [
      [0x11, 0],
      [0x22, '1M'],
      [0x33, '2M'],
      [0x44, '3M'],
    ] as const) {
      expect(await hasPattern(path, p, off, '1M')).toBe(true);
    }
  });

  it('pops a state: the image keeps its content, the state is gone (cheaply)', async () => {
    const { target, ctx, path, pool, names } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    const [pushed] = await pushStates([withParams(target, { push_state: 'tmp' })], ctx);
    expect(pushed).toMatchObject({ op: 'set', via: 'push', action: 'created' });
    const again = await failure(
      pushStates([withParams(target, { push_state: 'tmp' })], ctx),
      CartographError,
    );
    expect(again.code).toBe('STATE_ABORT');
    await writePattern(path, 0x22);
    const stateInode = (await stat(join(pool, 'tmp.qcow2'))).ino;
    const popped = await popStates([withParams(target, { pop_state: 'tmp' })], ctx);
    expect(popped.map((r) => [r.op, r.via, r.action])).toEqual([
      ['get', 'pop', 'restored'],
      ['unset', 'pop', 'removed'],
    ]);
    expect(await names()).toEqual([]);
    expect(await hasPattern(path, 0x11)).toBe(true);
    // The state file itself became the image again: moved, not copied.
    expect((await stat(path)).ino).toBe(stateInode);
    expect(await backingName(path)).toBeUndefined();
    const [root] = await pushStates([withParams(target, { push_state: 'root' })], ctx);
    expect(root?.action).toBe('skipped');
  });

  it('needs its image to save and refuses while another process holds it', async () => {
    const { target, ctx, path, set, names } = await setup();
    const missing = await failure(set('s', { check_mode: 'ri' }), CartographError);
    expect(missing.code).toBe('STATE_MISSING');
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    const holder = await holdImageLock(path);
    expect((await failure(set('s'), CartographError)).code).toBe('QEMU_IMAGE_LOCKED');
    await holder.release();
    expect(await names()).toEqual([]);
    expect(await hasPattern(path, 0x11)).toBe(true);
    expect(
      (
        await failure(
          setStates([withParams(target, { set_state: 's', swarm_pool: '' })], ctx),
          CartographError,
        )
      ).code,
    ).toBe('CFG_MISSING_PARAM');
  });

  // Skipped only on a machine where no writable directory lies on another filesystem than the
  // temporary directory (see `otherFilesystem`): no move there can cross filesystems.
  it.skipIf(OTHER_FS === undefined)(
    'copies instead of moving when the pool is on another filesystem',
    async () => {
      const shm = await mkdtemp(join(OTHER_FS ?? '', 'cg-states-'));
      shmDirs.push(shm);
      const { target, ctx, path, set, get } = await setup({ swarm_pool: shm });
      await createRoots([target], ctx);
      await writePattern(path, 0x11);
      const [s] = await set('s');
      expect(s?.detail).toContain('copied across filesystems');
      await writePattern(path, 0x22);
      await get('s');
      expect(await hasPattern(path, 0x11)).toBe(true);
      await set('t');
      expect(await backingName(join(shm, 'vm1-tiny', 'image1', 't.qcow2'))).toBe('s.qcow2');
    },
  );

  it('serialises two operations on one image inside a process', async () => {
    const { target, ctx, path, names } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    const sharedCtx: StateContext = ctx;
    const many = ['p1', 'p2', 'p3', 'p4'].map((s) =>
      setStates([withParams(target, { set_state: s })] as ImageTarget[], sharedCtx),
    );
    await Promise.all(many);
    expect(await names()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(await hasPattern(path, 0x11)).toBe(true);
  });
});
