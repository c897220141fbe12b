import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/shared/index.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { runSuite, statuses, writeCommand, writeSuite } from '../../helpers/run-suite.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'cartograph.js');

/** vm1 only, one qcow2ext image; the tests below run on clones of its install state. */
const ONE_VM = `vms = vm1
images = image1
images_base_dir = images
swarm_pool = pool
image_size = 16M
mem = 32
states_images = qcow2ext
variants:
    - vm1:
        image_name_image1 = vm1
`;

/**
 * Eight tests from one state: each notes when it starts and ends, writes its own pattern at
 * its own place of its disk, waits, and checks that its disk holds its own write and none of
 * a sibling's.
 */
function nodes(extra = ''): string {
  const tests = [1, 2, 3, 4, 5, 6, 7, 8]
    .map(
      (i) => `            - t${i}:
                command = echo "start $(date +%s.%N)" >> "$CARTOGRAPH_WORKDIR/times.log" && ${writeCommand(`0x${(0x40 + i).toString(16)}`, `${i * 64}k`)} && sleep 1 && qemu-io -r -f qcow2 -c "read -q -P 0x${(0x40 + i).toString(16)} ${i * 64}k 64k" ${[
                  1, 2, 3, 4, 5, 6, 7, 8,
                ]
                  .filter((j) => j !== i)
                  .map((j) => `-c "read -q -P 0 ${j * 64}k 64k"`)
                  .join(
                    ' ',
                  )} -c "read -q -P 0x11 0 64k" "$CARTOGRAPH_IMAGE" && echo "end $(date +%s.%N)" >> "$CARTOGRAPH_WORKDIR/times.log"`,
    )
    .join('\n');
  return `variants:
    - install:
        vms = vm1
        get_state_images = root
        set_state_images = install
        command = ${writeCommand('0x11', '0')}
    - tests:
        vms = vm1
        get_state_images = install
${extra}        variants:
${tests}
`;
}

/** The most tests that ran at one moment, from the start and end times they noted. */
function mostAtOnce(log: string): number {
  const events = log
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([what, t]) => ({ t: Number(t), d: what === 'start' ? 1 : -1 }))
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

const md5 = (file: string): string => createHash('md5').update(readFileSync(file)).digest('hex');

function cloneDirs(dir: string): string[] {
  const runs = join(dir, '.cartograph', 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((r) =>
    existsSync(join(runs, r, 'nodes'))
      ? readdirSync(join(runs, r, 'nodes'))
          .map((n) => join(runs, r, 'nodes', n, 'clone'))
          .filter((c) => existsSync(c))
      : [],
  );
}

async function qemuUnder(dir: string): Promise<number[]> {
  const ps = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return ps.stdout
    .split('\n')
    .filter((l) => l.includes('qemu-system') && l.includes(dir))
    .map((l) => Number(l.trim().split(' ')[0]));
}

/**
 * Tests on throw-away clones (issue 12): many at once from one state, none changing the state
 * or a sibling's disk, nothing left behind after a pass, a failure, SIGINT or SIGKILL.
 */
describeQemu('tests on clones', () => {
  it('runs eight tests from one state side by side, each on its own disk', async () => {
    const dir = writeSuite(nodes(), ONE_VM);
    const first = await runSuite(dir, 'only=install');
    expect(first.code).toBe(0);
    const state = join(dir, 'pool', 'vm1', 'image1', 'install.qcow2');
    const before = md5(state);
    const plan = await execa(process.execPath, [BIN, 'plan', '--explain', ...suiteArgs()], {
      cwd: dir,
    });
    expect(plan.stdout).toContain('runs on throw-away clones of its objects');

    const r = await runSuite(dir, '--jobs', '4');
    expect(r.code).toBe(0);
    expect(Object.values(statuses(r.report)).filter((s) => s === 'passed')).toHaveLength(8);
    expect(mostAtOnce(readFileSync(join(dir, 'times.log'), 'utf8'))).toBeGreaterThanOrEqual(3);
    // The state they all started from is what it was; the object's own image was not used.
    expect(md5(state)).toBe(before);
    expect(cloneDirs(dir)).toEqual([]);
    expect(await qemuUnder(dir)).toEqual([]);
  }, 120_000);

  it('removes the clones of a failed test, or keeps them with --keep-failed', async () => {
    const dir = writeSuite(
      `variants:
    - install:
        vms = vm1
        get_state_images = root
        set_state_images = install
        command = ${writeCommand('0x11', '0')}
    - tests:
        vms = vm1
        boot = yes
        get_state_images = install
        variants:
            - fails:
                command = test -S "$CARTOGRAPH_QMP_VM1" && exit 7
`,
      ONE_VM,
    );
    const failed = await runSuite(dir);
    expect(statuses(failed.report)['tests.fails@vm1']).toBe('failed');
    expect(cloneDirs(dir)).toEqual([]);
    expect(await qemuUnder(dir)).toEqual([]);
    const kept = await runSuite(dir, '--keep-failed');
    expect(kept.out).toMatch(/kept its clones in .*clone/);
    expect(cloneDirs(dir)).toHaveLength(1);
    expect(await qemuUnder(dir)).toEqual([]);
  }, 120_000);

  it('after SIGKILL, the next run stops the clones its predecessor left; SIGINT leaves none', async () => {
    const dir = writeSuite(
      `variants:
    - install:
        vms = vm1
        get_state_images = root
        set_state_images = install
        command = ${writeCommand('0x11', '0')}
    - tests:
        vms = vm1
        boot = yes
        get_state_images = install
        variants:
            - slow:
                command = touch "$CARTOGRAPH_WORKDIR/started" && sleep 60
`,
      ONE_VM,
    );
    for (const signal of ['SIGKILL', 'SIGINT'] as const) {
      const run = execa(process.execPath, [BIN, 'run', ...suiteArgs()], {
        cwd: dir,
        reject: false,
      });
      for (let i = 0; i < 600 && !existsSync(join(dir, 'started')); i++) await sleep(50);
      expect(existsSync(join(dir, 'started'))).toBe(true);
      expect(await qemuUnder(dir)).toHaveLength(1);
      run.kill(signal);
      const ended = await run;
      if (signal === 'SIGINT') {
        expect(ended.exitCode).toBe(130);
        expect(cloneDirs(dir)).toEqual([]);
        expect(await qemuUnder(dir)).toEqual([]);
      } else {
        // Killed: its clone's vm lives on, until the next run sweeps it.
        const left = await qemuUnder(dir);
        expect(left).toHaveLength(1);
        expect(cloneDirs(dir)).toHaveLength(1);
        const next = await runSuite(dir, 'only=install');
        expect(next.code).toBe(0);
        expect(cloneDirs(dir)).toEqual([]);
        expect(left.every((pid) => !isProcessAlive(pid))).toBe(true);
      }
      await execa('rm', ['-f', join(dir, 'started')]);
    }
  }, 180_000);
});

function suiteArgs(): string[] {
  return ['--objects', 'objects.cfg', '--nodes', 'nodes.cfg'];
}
