import { describe, expect, it } from 'vitest';
import { runSchedule, type ScheduledTask } from '../../../src/scheduler/run-schedule.js';

/**
 * A controllable fake executor: every attempt waits until the test settles it, so
 * parallelism is observed directly, without sleeps.
 */
function controllable() {
  const running = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  let maxRunning = 0;
  const waiters: (() => void)[] = [];
  const executor = (task: ScheduledTask): Promise<undefined> =>
    new Promise<undefined>((resolve, reject) => {
      running.set(task.id, {
        resolve: () => {
          running.delete(task.id);
          resolve(undefined);
        },
        reject: (e: Error) => {
          running.delete(task.id);
          reject(e);
        },
      });
      maxRunning = Math.max(maxRunning, running.size);
      for (const w of waiters.splice(0)) w();
    });
  /** Resolves once `ids` (exactly) are running. */
  const whenRunning = async (ids: string[]): Promise<void> => {
    const matches = (): boolean =>
      running.size === ids.length && ids.every((id) => running.has(id));
    while (!matches()) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    executor,
    whenRunning,
    pass: (id: string) => running.get(id)?.resolve(),
    fail: (id: string) => running.get(id)?.reject(new Error(`${id} failed`)),
    get maxRunning() {
      return maxRunning;
    },
  };
}

const task = (
  id: string,
  deps: string[] = [],
  resources: string[] = [id],
  maxTries = 1,
): ScheduledTask => ({
  id,
  deps,
  resources,
  maxTries,
});

describe('runSchedule', () => {
  it('runs independent tasks at once, up to the job limit', async () => {
    const c = controllable();
    const done = runSchedule([task('a'), task('b'), task('c')], c.executor, { jobs: 2 });
    await c.whenRunning(['a', 'b']);
    c.pass('a');
    await c.whenRunning(['b', 'c']);
    c.pass('b');
    c.pass('c');
    const results = await done;
    expect([...results.values()].map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);
    expect(c.maxRunning).toBe(2);
  });

  it('never runs two tasks that share a resource at once', async () => {
    const c = controllable();
    const done = runSchedule(
      [task('a', [], ['vm1']), task('b', [], ['vm1']), task('c', [], ['vm2'])],
      c.executor,
      { jobs: 3 },
    );
    await c.whenRunning(['a', 'c']);
    c.pass('a');
    await c.whenRunning(['b', 'c']);
    c.pass('b');
    c.pass('c');
    await done;
    expect(c.maxRunning).toBe(2);
  });

  it('starts a task only after its dependencies passed', async () => {
    const c = controllable();
    const done = runSchedule([task('install'), task('customize', ['install'])], c.executor, {
      jobs: 4,
    });
    await c.whenRunning(['install']);
    c.pass('install');
    await c.whenRunning(['customize']);
    c.pass('customize');
    expect((await done).get('customize')?.status).toBe('passed');
  });

  it('blocks the dependants of a failure and lets other branches go on', async () => {
    const c = controllable();
    const done = runSchedule(
      [task('a'), task('a2', ['a']), task('a3', ['a2']), task('b'), task('b2', ['b'])],
      c.executor,
      { jobs: 2 },
    );
    await c.whenRunning(['a', 'b']);
    c.fail('a');
    c.pass('b');
    await c.whenRunning(['b2']);
    c.pass('b2');
    const r = await done;
    expect(r.get('a')?.status).toBe('failed');
    expect(r.get('a2')?.status).toBe('blocked');
    expect(r.get('a3')?.status).toBe('blocked');
    expect(r.get('a2')?.attempts).toBe(0);
    expect(r.get('b2')?.status).toBe('passed');
  });

  it('retries up to maxTries', async () => {
    const c = controllable();
    const events: string[] = [];
    const done = runSchedule([task('flaky', [], ['x'], 3)], c.executor, {
      onEvent: (e) => events.push(e.type),
    });
    await c.whenRunning(['flaky']);
    c.fail('flaky');
    await c.whenRunning(['flaky']);
    c.fail('flaky');
    await c.whenRunning(['flaky']);
    c.pass('flaky');
    const r = (await done).get('flaky');
    expect(r?.status).toBe('passed');
    expect(r?.attempts).toBe(3);
    expect(events.filter((e) => e === 'task-retry')).toHaveLength(2);
  });

  it('starts nothing new after a failure with failFast', async () => {
    const c = controllable();
    const done = runSchedule([task('a'), task('b'), task('c')], c.executor, {
      jobs: 1,
      failFast: true,
    });
    await c.whenRunning(['a']);
    c.fail('a');
    const r = await done;
    expect(r.get('b')?.status).toBe('skipped');
    expect(r.get('c')?.status).toBe('skipped');
  });

  it('skips what has not started when cancelled', async () => {
    const c = controllable();
    const ac = new AbortController();
    const done = runSchedule([task('a'), task('b', ['a'])], c.executor, { signal: ac.signal });
    await c.whenRunning(['a']);
    ac.abort();
    c.fail('a');
    const r = await done;
    expect(r.get('a')?.status).toBe('failed');
    expect(r.get('b')?.status).toBe('blocked');
  });

  it('keeps the guest RAM of running tasks within the memory budget, in order', async () => {
    const c = controllable();
    const waits: string[] = [];
    const big = (id: string, memoryMiB: number): ScheduledTask => ({ ...task(id), memoryMiB });
    const done = runSchedule(
      [big('a', 256), big('b', 256), big('c', 512), big('d', 128), task('e')],
      c.executor,
      {
        jobs: 5,
        maxMemoryMiB: 600,
        onEvent: (e) => {
          if (e.type === 'task-waiting-memory') waits.push(e.id);
        },
      },
    );
    // a and b fit (512); c (512) waits, and d waits behind it rather than overtaking it;
    // e needs no memory and runs at once.
    await c.whenRunning(['a', 'b', 'e']);
    expect(waits).toEqual(['c', 'd']);
    c.pass('a');
    c.pass('e');
    // 256 + 512 is too much: c still waits for b.
    await c.whenRunning(['b']);
    c.pass('b');
    await c.whenRunning(['c']);
    c.pass('c');
    await c.whenRunning(['d']);
    c.pass('d');
    const results = await done;
    expect([...results.values()].every((r) => r.status === 'passed')).toBe(true);
  });

  it('runs a task bigger than the whole memory budget alone instead of never', async () => {
    const c = controllable();
    const done = runSchedule(
      [
        { ...task('huge'), memoryMiB: 4096 },
        { ...task('small'), memoryMiB: 64 },
      ],
      c.executor,
      { jobs: 2, maxMemoryMiB: 1024 },
    );
    await c.whenRunning(['huge']);
    c.pass('huge');
    await c.whenRunning(['small']);
    c.pass('small');
    expect([...(await done).values()].map((r) => r.status)).toEqual(['passed', 'passed']);
  });
});
