import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import {
  cleanRoots,
  createRoots,
  getStates,
  imagePath,
  type ImageTarget,
  popStates,
  pushStates,
  setStates,
  showStates,
  StateAbortError,
  unsetStates,
} from '../../../../src/states/index.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { holdImageLock } from '../../../helpers/qemu-lock-holder.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { imageTarget, withParams } from '../../../helpers/states-targets.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as CartographError;
  if (!(error instanceof CartographError)) {
    throw new Error(`expected an error, got ${String(error)}`);
  }
  return error.code;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

describeQemu('qcow2 backend: image states as internal snapshots', () => {
  const sandbox = useQemuSandbox();

  async function setup(extra: Record<string, string> = {}) {
    const ws = await statesWorkspace(sandbox);
    const target = imageTarget({
      image_name: 'vm1/disk',
      images_base_dir: 'images',
      image_size: '16M',
      states: 'qcow2',
      ...extra,
    });
    const path = imagePath(target, ws.dir);
    return { ...ws, target, path };
  }
  const op = (target: ImageTarget, changes: Record<string, string>) => withParams(target, changes);

  it('takes an image through create → set → modify → get → unset', async () => {
    const { ctx, target, path, events } = await setup();
    expect(path).toBe(join(ctx.cwd, 'images', 'vm1', 'disk.qcow2'));

    expect((await createRoots([target], ctx))[0]).toMatchObject({
      op: 'create',
      state: 'root',
      existed: false,
      action: 'created',
      policy: { param: 'check_mode', value: 'rf', letter: 'f' },
    });
    expect(await exists(path)).toBe(true);
    await writePattern(path, 0xab);

    const [set] = await setStates([op(target, { set_state: 'install' })], ctx);
    expect(set).toMatchObject({
      op: 'set',
      target: 'vm1/image1',
      kind: 'images',
      backend: 'qcow2',
      state: 'install',
      existed: false,
      action: 'created',
      policy: { param: 'set_mode', value: 'ff', letter: 'f' },
      root: { state: 'root', existed: true, action: 'kept' },
    });

    await writePattern(path, 0xcd);
    expect(await hasPattern(path, 0xab)).toBe(false);
    const [get] = await getStates([op(target, { get_state: 'install' })], ctx);
    expect(get).toMatchObject({ action: 'restored', existed: true, policy: { letter: 'r' } });
    expect(await hasPattern(path, 0xab)).toBe(true);

    expect((await showStates([target], ctx))[0]).toMatchObject({
      target: 'vm1/image1',
      backend: 'qcow2',
      root: true,
      states: [{ name: 'install' }],
    });

    const [unset] = await unsetStates([op(target, { unset_state: 'install' })], ctx);
    expect(unset).toMatchObject({ action: 'removed', existed: true });
    expect((await imageInfo(path)).snapshots).toEqual([]);
    expect((await showStates([target], ctx))[0]?.states).toEqual([]);

    expect((await cleanRoots([target], ctx))[0]).toMatchObject({ action: 'removed' });
    expect(await exists(path)).toBe(false);
    expect(events.filter((e) => e.type === 'state-end')).toHaveLength(5);
    expect(events.some((e) => e.type === 'image-created')).toBe(true);
  });

  it('never creates duplicate tags: set with f overwrites the one snapshot', async () => {
    const { ctx, target, path } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await setStates([op(target, { set_state: 's1' })], ctx);
    await writePattern(path, 0x22);
    const [again] = await setStates([op(target, { set_state: 's1' })], ctx);
    expect(again).toMatchObject({ existed: true, action: 'overwritten', policy: { letter: 'f' } });
    expect((await imageInfo(path)).snapshots.map((s) => s.name)).toEqual(['s1']);
    await writePattern(path, 0x33);
    await getStates([op(target, { get_state: 's1' })], ctx);
    expect(await hasPattern(path, 0x22)).toBe(true);
  });

  it('applies every valid letter of get_mode, set_mode, unset_mode', async () => {
    const { ctx, target, path } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    await setStates([op(target, { set_state: 'on' })], ctx);
    await writePattern(path, 0x22);

    // get: exists r/a/i, missing a/i
    expect(await codeOf(getStates([op(target, { get_state: 'on', get_mode: 'aa' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect(
      (await getStates([op(target, { get_state: 'on', get_mode: 'ia' })], ctx))[0]?.action,
    ).toBe('ignored');
    expect(await hasPattern(path, 0x22)).toBe(true);
    expect(await codeOf(getStates([op(target, { get_state: 'off', get_mode: 'ra' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect(
      (await getStates([op(target, { get_state: 'off', get_mode: 'ri' })], ctx))[0]?.action,
    ).toBe('ignored');

    // set: exists a/r/f, missing a/f
    expect(await codeOf(setStates([op(target, { set_state: 'on', set_mode: 'af' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect(
      (await setStates([op(target, { set_state: 'on', set_mode: 'rf' })], ctx))[0]?.action,
    ).toBe('kept');
    await getStates([op(target, { get_state: 'on' })], ctx);
    expect(await hasPattern(path, 0x11)).toBe(true);
    expect(await codeOf(setStates([op(target, { set_state: 'new', set_mode: 'fa' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect((await showStates([target], ctx))[0]?.states.map((s) => s.name)).toEqual(['on']);

    // unset: exists r/f, missing a/i
    expect(
      (await unsetStates([op(target, { unset_state: 'on', unset_mode: 'ra' })], ctx))[0]?.action,
    ).toBe('kept');
    expect(
      await codeOf(unsetStates([op(target, { unset_state: 'gone', unset_mode: 'fa' })], ctx)),
    ).toBe('STATE_ABORT');
    expect(
      (await unsetStates([op(target, { unset_state: 'gone', unset_mode: 'fi' })], ctx))[0]?.action,
    ).toBe('ignored');
    expect(
      (await unsetStates([op(target, { unset_state: 'on', unset_mode: 'fa' })], ctx))[0]?.action,
    ).toBe('removed');
  });

  it('pushes and pops with push_mode and pop_mode, one pop_mode serving both halves', async () => {
    const { ctx, target, path } = await setup();
    await createRoots([target], ctx);
    await writePattern(path, 0x11);
    expect((await pushStates([op(target, { push_state: 'p' })], ctx))[0]).toMatchObject({
      via: 'push',
      action: 'created',
      policy: { param: 'push_mode', value: 'af', letter: 'f' },
    });
    expect(await codeOf(pushStates([op(target, { push_state: 'p' })], ctx))).toBe('STATE_ABORT');
    expect(
      (await pushStates([op(target, { push_state: 'p', push_mode: 'rf' })], ctx))[0]?.action,
    ).toBe('kept');
    await writePattern(path, 0x22);
    // pop_mode = ri: the get reuses (restores), the unset keeps the state (r).
    const kept = await popStates([op(target, { pop_state: 'p', pop_mode: 'ri' })], ctx);
    expect(kept.map((r) => [r.op, r.action, r.policy.letter])).toEqual([
      ['get', 'restored', 'r'],
      ['unset', 'kept', 'r'],
    ]);
    expect(await hasPattern(path, 0x11)).toBe(true);
    // f is no letter for a get: pop_mode = fa is refused before anything happens.
    expect(await codeOf(popStates([op(target, { pop_state: 'p', pop_mode: 'fa' })], ctx))).toBe(
      'STATE_BAD_POLICY',
    );
    await writePattern(path, 0x33);
    const popped = await popStates([op(target, { pop_state: 'p' })], ctx);
    expect(popped.map((r) => [r.op, r.action, r.policy.value])).toEqual([
      ['get', 'restored', 'ra'],
      ['unset', 'removed', 'fa'],
    ]);
    expect(await hasPattern(path, 0x11)).toBe(true);
    expect((await imageInfo(path)).snapshots).toEqual([]);
    expect(await codeOf(popStates([op(target, { pop_state: 'p' })], ctx))).toBe('STATE_ABORT');
  });

  it('rejects invalid letters and bad state names before doing anything', async () => {
    const { ctx, target, path } = await setup();
    await createRoots([target], ctx);
    for (const [param, value] of [
      ['get_mode', 'fa'],
      ['get_mode', 'rf'],
      ['get_mode', 'r'],
      ['get_mode', 'rax'],
    ] as const) {
      const error = await getStates([op(target, { get_state: 's', [param]: value })], ctx).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CartographError);
      expect((error as CartographError).code).toBe('STATE_BAD_POLICY');
      expect((error as Error).message).toContain(`${param} = "${value}"`);
      expect((error as Error).message).toContain('vm1/image1');
    }
    const ops = { get: getStates, set: setStates, unset: unsetStates };
    for (const [name, param, value] of [
      ['set', 'set_mode', 'if'],
      ['set', 'set_mode', 'ai'],
      ['unset', 'unset_mode', 'ai'],
      ['unset', 'unset_mode', 'ff'],
      ['set', 'check_mode', 'ir'],
      ['get', 'check_mode', 'rr'],
      ['get', 'check_mode', 'xf'],
    ] as const) {
      const run = ops[name];
      expect(await codeOf(run([op(target, { [`${name}_state`]: 's', [param]: value })], ctx))).toBe(
        'STATE_BAD_POLICY',
      );
    }
    for (const name of ['a b', '123', '../x', 'x..y', '-x', 'tag/x']) {
      expect(await codeOf(setStates([op(target, { set_state: name })], ctx))).toBe(
        'STATE_BAD_NAME',
      );
    }
    expect(await codeOf(setStates([op(target, { set_state: 'boot' })], ctx))).toBe(
      'STATE_BAD_NAME',
    );
    expect((await imageInfo(path)).snapshots).toEqual([]);
  });

  it('applies check_mode to the root before a state operation', async () => {
    const { ctx, target, path } = await setup();
    // rf (default): a missing root is created, then the state is set on it.
    expect((await setStates([op(target, { set_state: 's' })], ctx))[0]?.root).toMatchObject({
      existed: false,
      action: 'created',
    });
    // a (missing): abort; i: go on without it (set then refuses: no root).
    await cleanRoots([target], ctx);
    expect(await codeOf(setStates([op(target, { set_state: 's', check_mode: 'ra' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect(await codeOf(setStates([op(target, { set_state: 's', check_mode: 'ri' })], ctx))).toBe(
      'STATE_MISSING',
    );
    const [ignored] = await getStates(
      [op(target, { get_state: 's', check_mode: 'ri', get_mode: 'ri' })],
      ctx,
    );
    expect(ignored).toMatchObject({ action: 'ignored', root: { action: 'ignored' } });
    // f (exists): remove the root, then the second letter: f recreates it (empty).
    await createRoots([target], ctx);
    await writePattern(path, 0x44);
    await setStates([op(target, { set_state: 's' })], ctx);
    const [fresh] = await setStates([op(target, { set_state: 't', check_mode: 'ff' })], ctx);
    expect(fresh?.root).toMatchObject({ existed: true, action: 'overwritten' });
    expect(await hasPattern(path, 0x44)).toBe(false);
    expect((await imageInfo(path)).snapshots.map((s) => s.name)).toEqual(['t']);
    // a (exists): abort.
    expect(await codeOf(getStates([op(target, { get_state: 't', check_mode: 'af' })], ctx))).toBe(
      'STATE_ABORT',
    );
  });

  it('keeps what earlier objects got when a later one aborts', async () => {
    const { ctx, target } = await setup();
    const other = imageTarget(
      { image_name: 'vm1/data', images_base_dir: 'images', image_size: '16M' },
      { image: 'data' },
    );
    await createRoots([target, other], ctx);
    await writePattern(imagePath(target, ctx.cwd), 0x55);
    const error = await setStates(
      [op(target, { set_state: 'first' }), op(other, { set_state: 'second', set_mode: 'fa' })],
      ctx,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateAbortError);
    const abort = error as StateAbortError;
    expect(abort).toMatchObject({
      code: 'STATE_ABORT',
      target: 'vm1/data',
      state: 'second',
      existed: false,
      policy: { param: 'set_mode', value: 'fa', letter: 'a' },
    });
    expect(abort.message).toContain('vm1/data');
    expect(abort.results.map((r) => [r.target, r.state, r.action])).toEqual([
      ['vm1/image1', 'first', 'created'],
    ]);
    expect((await showStates([target], ctx))[0]?.states.map((s) => s.name)).toEqual(['first']);
  });

  it('reports a missing root, a locked image, a missing size and a bad format', async () => {
    const { ctx, target, path } = await setup();
    expect(await codeOf(getStates([op(target, { get_state: 's', check_mode: 'ra' })], ctx))).toBe(
      'STATE_ABORT',
    );
    expect(await codeOf(createRoots([withParams(target, { image_size: undefined })], ctx))).toBe(
      'CFG_MISSING_PARAM',
    );
    expect(await codeOf(createRoots([withParams(target, { image_format: 'vmdk' })], ctx))).toBe(
      'CFG_BAD_VALUE',
    );
    await createRoots([target], ctx);
    await writePattern(path, 0x66);
    await setStates([op(target, { set_state: 's' })], ctx);
    const holder = await holdImageLock(path);
    expect(await codeOf(setStates([op(target, { set_state: 't' })], ctx))).toBe(
      'QEMU_IMAGE_LOCKED',
    );
    expect(await codeOf(getStates([op(target, { get_state: 's' })], ctx))).toBe(
      'QEMU_IMAGE_LOCKED',
    );
    await holder.release();
    expect((await imageInfo(path)).snapshots.map((s) => s.name)).toEqual(['s']);
  });
});
