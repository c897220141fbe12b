import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, expect, it } from 'vitest';
import { checkImage } from '../../../../src/qemu/img/check-image.js';
import { imageInfo } from '../../../../src/qemu/img/image-info.js';
import {
  createRoots,
  imagePath,
  inspectStates,
  lockObjects,
  poolDir,
  setStates,
  type StateContext,
  type StateEvent,
  StateLockedError,
  type StateTarget,
} from '../../../../src/states/index.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import {
  type ChildJob,
  spawnStateChild,
  type StateChild,
  statesChildScript,
  targetSpec,
} from '../../../helpers/states-child.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { pooledImage, withParams } from '../../../helpers/states-targets.js';

/**
 * Two cartograph processes on one pool: the second waits for the first (or fails with
 * STATE_LOCKED naming it), a lock of a killed process is taken over, and several processes
 * setting states of one object at once end with every state complete and consistent.
 */
describeQemu('cross-process locks of state operations', () => {
  const sandbox = useQemuSandbox();
  let script = '';
  beforeAll(async () => {
    script = await statesChildScript(await sandbox.dir());
  });

  function child(): StateChild {
    const c = spawnStateChild(script);
    sandbox.trackPid(c.pid);
    return c;
  }

  function job(
    op: ChildJob['op'],
    targets: StateTarget[],
    ctx: StateContext,
    more: Partial<ChildJob> = {},
  ): ChildJob {
    return { op, targets: targets.map(targetSpec), cwd: ctx.cwd, runDir: ctx.runDir, ...more };
  }

  async function setup(states = 'qcow2ext') {
    const ws = await statesWorkspace(sandbox);
    const image = pooledImage({ states });
    await createRoots([image], ws.ctx);
    await writePattern(imagePath(image, ws.dir), 0x11);
    return { ...ws, image };
  }

  it('makes a second process wait for the first, and names the holder when it gives up', async () => {
    const { ctx, image, dir } = await setup();
    const holder = child();
    await holder.start(job('lock', [image], ctx, { owner: 'cartograph run (test)' }));
    await holder.waitFor('locked');

    const error = await setStates([withParams(image, { set_state: 's' })], {
      ...ctx,
      lockTimeoutMs: 150,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateLockedError);
    expect(error).toMatchObject({
      code: 'STATE_LOCKED',
      holder: { pid: holder.pid, owner: 'cartograph run (test)' },
    });
    expect((error as Error).message).toContain(`pid ${holder.pid}`);
    expect((await inspectStates([{ target: image, state: 's' }], ctx))[0]?.trust).toBe('missing');

    // With time to wait, it says who it waits for, and goes on once the holder lets go.
    const started = performance.now();
    const events: StateEvent[] = [];
    const waiting = setStates([withParams(image, { set_state: 's' })], {
      ...ctx,
      onEvent: (e) => events.push(e),
    });
    await sleep(300);
    holder.release();
    const [result] = await waiting;
    expect(result?.action).toBe('created');
    const waits = events.filter((e) => e.type === 'lock-wait');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    for (const wait of waits) {
      expect(wait).toMatchObject({
        target: image.id,
        holder: { pid: holder.pid, owner: 'cartograph run (test)' },
      });
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect((await holder.ended).code).toBe(0);
    // No lock file outlives the operations.
    expect(existsSync(join(dir, 'images', 'vm1', '.disk.qcow2.lock'))).toBe(false);
    expect(existsSync(join(poolDir(image, dir), '.pool.lock'))).toBe(false);
    expect(existsSync(join(ctx.runDir, 'vm1-tiny.lock'))).toBe(false);
  });

  it('takes over the locks of a process that was killed', async () => {
    const { ctx, image, dir } = await setup();
    const holder = child();
    await holder.start(job('lock', [image], ctx, { owner: 'killed run' }));
    await holder.waitFor('locked');
    holder.process.kill('SIGKILL');
    await holder.ended;
    const lockFile = join(dir, 'images', 'vm1', '.disk.qcow2.lock');
    expect(existsSync(lockFile)).toBe(true);

    // Not even a moment of waiting is needed: the holder is dead.
    const [result] = await setStates([withParams(image, { set_state: 's' })], {
      ...ctx,
      lockTimeoutMs: 0,
    });
    expect(result?.action).toBe('created');
    expect(existsSync(lockFile)).toBe(false);
    expect((await readdir(poolDir(image, dir))).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('lets exactly one of two waiting processes take over a dead lock', async () => {
    const { ctx, image } = await setup();
    const dead = child();
    await dead.start(job('lock', [image], ctx, { owner: 'dead' }));
    await dead.waitFor('locked');
    dead.process.kill('SIGKILL');
    await dead.ended;
    const [a, b] = [child(), child()];
    await Promise.all([
      a.start(job('lock', [image], ctx, { owner: 'a', lockTimeoutMs: 20_000 })),
      b.start(job('lock', [image], ctx, { owner: 'b', lockTimeoutMs: 20_000 })),
    ]);
    const first = await Promise.race([
      a.waitFor('locked').then(() => a),
      b.waitFor('locked').then(() => b),
    ]);
    const second = first === a ? b : a;
    await sleep(300);
    expect(second.process.exitCode).toBeNull();
    const locked = (c: StateChild) =>
      c.waitFor('locked').then(
        () => true,
        () => false,
      );
    expect(await Promise.race([locked(second), sleep(50).then(() => false)])).toBe(false);
    first.release();
    await second.waitFor('locked');
    second.release();
    expect((await first.ended).code).toBe(0);
    expect((await second.ended).code).toBe(0);
  });

  for (const backend of ['qcow2ext', 'qcow2']) {
    it(`ends consistent when processes set states of one object at once (${backend})`, async () => {
      const { ctx, image, dir } = await setup(backend);
      const names = ['a', 'b', 'c'];
      const children = names.map(() => child());
      await Promise.all(
        children.map((c, i) =>
          c.start(
            job('set', [withParams(image, { set_state: names[i] ?? '' })], ctx, {
              manifest: { key: `k-${names[i] ?? ''}`, producer: 'p', parents: {} },
              lockTimeoutMs: 60_000,
            }),
          ),
        ),
      );
      for (const c of children) expect((await c.ended).code).toBe(0);

      const seen = await inspectStates(
        names.map((state) => ({ target: image, state })),
        ctx,
      );
      expect(seen.map((s) => [s.trust, s.manifest?.key])).toEqual(
        names.map((n) => ['manifest', `k-${n}`]),
      );
      const active = imagePath(image, dir);
      expect(await hasPattern(active, 0x11)).toBe(true);
      expect((await checkImage(active)).status).toBe('clean');
      if (backend === 'qcow2ext') {
        // One chain: each state built on the one saved before it, the image on the last.
        const pool = poolDir(image, dir);
        const backing = new Map<string, string | undefined>();
        for (const n of names) {
          const file = join(pool, `${n}.qcow2`);
          expect((await checkImage(file)).status).toBe('clean');
          expect(await hasPattern(file, 0x11)).toBe(true);
          backing.set(n, (await imageInfo(file)).backingFilename);
        }
        expect([...backing.values()].filter((b) => b === undefined)).toHaveLength(1);
        expect(new Set(backing.values()).size).toBe(3);
        expect((await readdir(pool)).filter((f) => f.startsWith('.'))).toEqual([]);
      } else {
        const tags = (await imageInfo(active)).snapshots.map((s) => s.name).sort();
        expect(tags).toEqual(names);
      }
    });
  }

  it('lockObjects keeps other processes out while this one works inside', async () => {
    const { ctx, image } = await setup();
    const release = await lockObjects([image], { ...ctx, owner: 'scheduler (test)' });
    // This process's own operations take the same locks again at once.
    const [mine] = await setStates([withParams(image, { set_state: 'mine' })], {
      ...ctx,
      lockTimeoutMs: 0,
    });
    expect(mine?.action).toBe('created');
    const other = child();
    await other.start(
      job('set', [withParams(image, { set_state: 'theirs' })], ctx, { lockTimeoutMs: 100 }),
    );
    const end = await other.ended;
    expect(end.code).toBe(1);
    expect(end.stdout).toContain('STATE_LOCKED');
    expect(end.stdout).toContain('scheduler (test)');
    await release();
  });
});
