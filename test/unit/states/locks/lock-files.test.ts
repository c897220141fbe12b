import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StateLockedError } from '../../../../src/states/index.js';
import { lockFileOf, LockFiles, sweepLockTemps } from '../../../../src/states/locks/lock-files.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A pid that certainly belongs to no process now: one that ran and was reaped. */
function deadPid(): number {
  return spawnSync('true').pid;
}

/**
 * Several `LockFiles` in one process stand for several processes: each keeps its own holdings,
 * and they exclude each other through the files only.
 */
function processes(n: number): LockFiles[] {
  return Array.from({ length: n }, () => new LockFiles());
}

const options = (owner: string, timeoutMs = 5_000) => ({ owner, timeoutMs });

describe('cross-process lock files', () => {
  it('records the holder and removes the file on release', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'thing a' };
    const [p] = processes(1) as [LockFiles];
    const release = await p.acquire([lock], options('tester'));
    const holder = JSON.parse(await readFile(lock.file, 'utf8')) as Record<string, unknown>;
    expect(holder).toMatchObject({
      format: 1,
      pid: process.pid,
      host: hostname(),
      owner: 'tester',
    });
    expect(typeof holder.token).toBe('string');
    expect(Date.parse(String(holder.startedAt))).not.toBeNaN();
    await release();
    await release();
    expect(existsSync(lock.file)).toBe(false);
    // Nothing else is left behind (no temporary files of the exclusive creation).
    expect(await readdir(dir)).toEqual([]);
  });

  it('is re-entrant within one process: the file goes with the last release', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'a' };
    const [p] = processes(1) as [LockFiles];
    const outer = await p.acquire([lock], options('node'));
    const inner = await p.acquire([lock], { owner: 'op', timeoutMs: 0 });
    await inner();
    expect(existsSync(lock.file)).toBe(true);
    expect(p.isHeld(lock.file)).toBe(true);
    await outer();
    expect(existsSync(lock.file)).toBe(false);
  });

  it('makes another process wait, then fails with STATE_LOCKED naming the holder', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'image /x/disk.qcow2' };
    const [a, b] = processes(2) as [LockFiles, LockFiles];
    const release = await a.acquire([lock], options('cartograph run'));
    const started = performance.now();
    const error = await b.acquire([lock], options('other', 120)).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(error).toBeInstanceOf(StateLockedError);
    const locked = error as StateLockedError;
    expect(locked.code).toBe('STATE_LOCKED');
    expect(locked.holder).toMatchObject({ pid: process.pid, owner: 'cartograph run' });
    expect(locked.message).toContain('image /x/disk.qcow2');
    expect(locked.message).toContain(`pid ${process.pid}`);
    expect(locked.message).toContain('cartograph run');
    // 0 fails at once.
    const now = performance.now();
    await expect(b.acquire([lock], options('other', 0))).rejects.toMatchObject({
      code: 'STATE_LOCKED',
    });
    expect(performance.now() - now).toBeLessThan(100);
    // Once released, the waiter gets it.
    const waiting = b.acquire([lock], options('other'));
    await sleep(30);
    await release();
    const got = await waiting;
    expect(b.isHeld(lock.file)).toBe(true);
    await got();
  });

  it('stops waiting when cancelled', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'a' };
    const [a, b] = processes(2) as [LockFiles, LockFiles];
    const release = await a.acquire([lock], options('holder'));
    const controller = new AbortController();
    const waiting = b.acquire([lock], { owner: 'w', timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 30);
    await expect(waiting).rejects.toMatchObject({ code: 'STATE_LOCKED' });
    await release();
  });

  it('lets exactly one process at a time in, also while all of them take over a dead holder', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'a' };
    await writeFile(
      lock.file,
      JSON.stringify({
        pid: deadPid(),
        host: hostname(),
        owner: 'a run that was killed',
        startedAt: new Date(0).toISOString(),
        token: 'dead',
      }),
    );
    let inside = 0;
    let most = 0;
    let entered = 0;
    await Promise.all(
      processes(8).map(async (p, i) => {
        for (let round = 0; round < 3; round++) {
          const release = await p.acquire([lock], options(`p${i}`, 20_000));
          inside++;
          entered++;
          most = Math.max(most, inside);
          await sleep(2);
          inside--;
          await release();
        }
      }),
    );
    expect(entered).toBe(24);
    expect(most).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose taker died too, and an unreadable lock file', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'a' };
    const dead = (token: string) =>
      JSON.stringify({ pid: deadPid(), host: hostname(), owner: 'x', startedAt: '', token });
    await writeFile(lock.file, dead('first'));
    await writeFile(`${lock.file}.break-first`, dead('second'));
    const [p] = processes(1) as [LockFiles];
    const release = await p.acquire([lock], options('me', 0));
    await release();
    expect(await readdir(dir)).toEqual([]);

    await writeFile(lock.file, 'not a lock');
    const again = await p.acquire([lock], options('me', 0));
    await again();
    expect(await readdir(dir)).toEqual([]);
  });

  it('never takes a lock of a live holder on another host for a dead one', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'a.lock'), what: 'a' };
    await writeFile(
      lock.file,
      JSON.stringify({ pid: deadPid(), host: 'elsewhere', owner: 'x', startedAt: '', token: 't' }),
    );
    const [p] = processes(1) as [LockFiles];
    await expect(p.acquire([lock], options('me', 50))).rejects.toMatchObject({
      code: 'STATE_LOCKED',
      holder: { host: 'elsewhere' },
    });
  });

  it('takes sets in sorted order, so two processes with overlapping sets cannot deadlock', async () => {
    const dir = tempDir();
    const x = { file: join(dir, 'x.lock'), what: 'x' };
    const y = { file: join(dir, 'y.lock'), what: 'y' };
    const [a, b] = processes(2) as [LockFiles, LockFiles];
    let inside = 0;
    let most = 0;
    const job = async (p: LockFiles, locks: { file: string; what: string }[]) => {
      for (let i = 0; i < 5; i++) {
        const release = await p.acquire(locks, options('j', 10_000));
        inside++;
        most = Math.max(most, inside);
        await sleep(1);
        inside--;
        await release();
      }
    };
    await Promise.all([job(a, [x, y]), job(b, [y, x])]);
    expect(most).toBe(1);
  });

  it('creates the directory of a lock when missing, and removes it again', async () => {
    const dir = tempDir();
    const lock = { file: join(dir, 'deep', 'er', '.pool.lock'), what: 'pool' };
    const [p] = processes(1) as [LockFiles];
    const release = await p.acquire([lock], options('me'));
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('puts lock files next to what they protect', () => {
    expect(lockFileOf('image:/a/b/disk.qcow2', '/run')).toEqual({
      file: '/a/b/.disk.qcow2.lock',
      what: 'image /a/b/disk.qcow2',
    });
    expect(lockFileOf('pool:/p/vm1/image1', '/run').file).toBe('/p/vm1/image1/.pool.lock');
    expect(lockFileOf('vm:vm1-tiny', '/run').file).toBe('/run/vm1-tiny.lock');
  });
});

it('removes the temporary files of dead creators of a lock, and only those', async () => {
  const dir = tempDir('cartograph-sweep-');
  const gone = spawnSync('true').pid; // exited: its pid is free
  const files = [
    `.pool.lock.${gone}.0a1b2c3d.tmp`, // a creator killed half-way
    `.pool.lock.${process.pid}.0a1b2c3d.tmp`, // this process, maybe creating it right now
    `.pool.lock.${process.ppid}.0a1b2c3d.tmp`, // a live process
    `.pool.lock.break-${gone}.0a1b2c3d.tmp`, // another lock's temporary file
    `.other.lock.${gone}.0a1b2c3d.tmp`,
    'state.qcow2',
  ];
  for (const f of files) writeFileSync(join(dir, f), '');
  await sweepLockTemps(join(dir, '.pool.lock'));
  expect(readdirSync(dir).sort()).toEqual(files.slice(1).sort());
});
