import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { RunReport } from '../../../src/scheduler/index.js';
import { lockObjects } from '../../../src/states/index.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { runCli } from '../../helpers/run-cli.js';
import {
  INSTALL_CUSTOMIZE,
  readCommand,
  runSuite,
  statuses,
  SUITE_CONFIG,
  TWO_VMS,
  writeCommand,
  writeSuite,
} from '../../helpers/run-suite.js';
import { imageTarget } from '../../helpers/states-targets.js';

/**
 * The cache of `cartograph run` on real QEMU: states carry keys, a changed step makes exactly
 * its states and those built on them stale (explained by `plan --explain`), `reuse_stale`
 * keeps them, states without a manifest are reused as unverified, two runs at once over one
 * pool build every state once and end as one run does, and a node waiting for another
 * process's lock says whose.
 */
const NODES = `variants:
${INSTALL_CUSTOMIZE}    - check:
        get_state_images = customize
        command = ${readCommand()}
        variants:
            - one:
                vms = vm1
            - two:
                vms = vm2
`;

const suite = (dir?: string): string => writeSuite(NODES, TWO_VMS, dir);
const run = runSuite;

async function plan(dir: string, ...args: string[]): Promise<string> {
  const r = await runCli(['plan', ...SUITE_CONFIG, ...args], dir);
  expect(r.code).toBe(0);
  return r.stdout;
}

/** `state@vm` → the key in its manifest, for every external state in the pool. */
function manifestKeys(dir: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const vm of ['vm1', 'vm2']) {
    const pool = join(dir, 'pool', vm, 'image1');
    for (const f of readdirSync(pool).filter((n) => n.endsWith('.json'))) {
      const m = JSON.parse(readFileSync(join(pool, f), 'utf8')) as { state: string; key: string };
      keys[`${m.state}@${vm}`] = m.key;
    }
  }
  return keys;
}

describeQemu('the state cache of cartograph run', () => {
  it('rebuilds exactly the states a changed step makes, and explains why', async () => {
    const dir = suite();
    expect((await run(dir)).code).toBe(0);
    const before = manifestKeys(dir);
    expect(Object.keys(before).sort()).toEqual([
      'customize@vm1',
      'customize@vm2',
      'install@vm1',
      'install@vm2',
    ]);

    // A parameter of customize changes: its states are stale, install's are not.
    writeFileSync(
      join(dir, 'nodes.cfg'),
      NODES.replace(
        '        set_state_images = customize\n',
        '        set_state_images = customize\n        swap_size = 2G\n',
      ),
    );
    const explained = await plan(dir, '--explain');
    expect(explained).toContain('customize of vm1/image1 is stale:');
    expect(explained).toContain('swap_size: (unset) -> "2G"');
    expect(explained).not.toContain('install of vm1/image1 is stale');

    const again = await run(dir);
    expect(again.code).toBe(0);
    expect(statuses(again.report)).toEqual({
      'install@vm1': 'reused',
      'install@vm2': 'reused',
      'customize@vm1': 'passed',
      'customize@vm2': 'passed',
      'check.one@vm1': 'passed',
      'check.two@vm2': 'passed',
    });
    const after = manifestKeys(dir);
    expect(after['install@vm1']).toBe(before['install@vm1']);
    expect(after['customize@vm1']).not.toBe(before['customize@vm1']);
    // And now all is current.
    expect(await plan(dir)).toContain('to run (0 setup');
  });

  it('makes everything built on a changed step stale too', async () => {
    const dir = suite();
    expect((await run(dir)).code).toBe(0);
    writeFileSync(
      join(dir, 'nodes.cfg'),
      NODES.replace(writeCommand('0x11', '0'), `${writeCommand('0x11', '0')} && true`),
    );
    const explained = await plan(dir, '--explain');
    expect(explained).toContain('install of vm1/image1 is stale:');
    expect(explained).toContain('customize of vm1/image1 is stale:');
    expect(explained).toContain('starts from install@vm1/image1, which is made differently now');
    const again = await run(dir);
    expect(again.code).toBe(0);
    expect(statuses(again.report)).toMatchObject({
      'install@vm1': 'passed',
      'customize@vm1': 'passed',
      'check.one@vm1': 'passed',
    });
  });

  it('keeps stale states with reuse_stale=yes, with a warning', async () => {
    const dir = suite();
    expect((await run(dir)).code).toBe(0);
    writeFileSync(
      join(dir, 'nodes.cfg'),
      NODES.replace(writeCommand('0x22', '64k'), `${writeCommand('0x22', '64k')} && true`),
    );
    const kept = await plan(dir, 'reuse_stale=yes');
    expect(kept).toContain('0 setup');
    expect(kept).toMatch(/warning: .*customize.* is stale .* but reuse_stale keeps it/);
  });

  it('reuses a state made by hand (no manifest) as unverified', async () => {
    const dir = suite();
    expect((await run(dir, 'only=install')).code).toBe(0);
    // Saved outside a run (as avocado-i2n or a person would): no manifest, so no key.
    const set = await runCli(
      ['set', '--objects', 'objects.cfg', 'vms=vm1', 'set_state_images=customize'],
      dir,
    );
    expect(set.code).toBe(0);
    const out = await plan(dir, 'only=one');
    expect(out).toMatch(/reuse +customize@vm1/);
    expect(out).toMatch(/warning: customize of vm1\/image1 has no manifest .*reused unverified/);
  });

  it('builds every state once when two runs share a pool, and ends as one run does', async () => {
    const shared = suite();
    const bin = join(process.cwd(), 'bin', 'cartograph.js');
    const exec = promisify(execFile);
    const start = (report: string) =>
      exec(process.execPath, [bin, 'run', ...SUITE_CONFIG, '--report', report, '--jobs', '2'], {
        cwd: shared,
      });
    await Promise.all([start('a.json'), start('b.json')]);
    const reports = ['a.json', 'b.json'].map(
      (f) => JSON.parse(readFileSync(join(shared, f), 'utf8')) as RunReport,
    );
    for (const node of ['install@vm1', 'install@vm2', 'customize@vm1', 'customize@vm2']) {
      const built = reports.filter((r) => statuses(r)[node] === 'passed');
      expect(built, node).toHaveLength(1);
    }
    for (const r of reports) expect(r.summary.failed).toBe(0);

    const alone = suite();
    expect((await run(alone)).code).toBe(0);
    expect(manifestKeys(shared)).toEqual(manifestKeys(alone));
    expect(await plan(shared)).toContain('to run (0 setup');
  });

  it('says whose lock a node waits for, and fails it after --lock-timeout', async () => {
    const dir = suite();
    // This process holds vm1's image as another cartograph process would.
    const image = imageTarget({ image_name: 'vm1', images_base_dir: 'images' });
    const release = await lockObjects([image], { cwd: dir, runDir: '.', owner: 'held (test)' });
    try {
      const bin = join(process.cwd(), 'bin', 'cartograph.js');
      const out = await promisify(execFile)(
        process.execPath,
        [bin, 'run', ...SUITE_CONFIG, '--report', 'report.json', '--lock-timeout', '1'],
        { cwd: dir },
      ).catch((e: unknown) => e as { code: number; stdout: string });
      expect(out).toMatchObject({ code: 1 });
      expect(out.stdout).toContain(
        `install@vm1: wait for image ${join(dir, 'images', 'vm1.qcow2')}, locked by pid ${process.pid}`,
      );
      expect(out.stdout).toContain('(held (test))');
      expect(out.stdout).toMatch(/failed {2}install@vm1 .*is locked by pid \d+ .*; gave up after/);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
      expect(statuses(report)).toMatchObject({
        'install@vm1': 'failed',
        'customize@vm1': 'blocked',
        'install@vm2': 'passed',
        'customize@vm2': 'passed',
      });
    } finally {
      await release();
    }
  });
});
