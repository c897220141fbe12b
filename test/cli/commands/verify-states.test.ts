import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  bootVms,
  createRoots,
  findVm,
  getStates,
  setStates,
  shutdownVms,
  type StateContext,
  type VerifyReport,
} from '../../../src/states/index.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';
import { runCli } from '../../helpers/run-cli.js';
import { writePattern } from '../../helpers/states-fixture.js';
import { statesSuite } from '../../helpers/states-suite.js';
import { withParams } from '../../helpers/states-targets.js';

/**
 * `cartograph verify` on real QEMU: a sound pool passes; a truncated state file, a missing
 * backing file, a bad manifest, leaked clusters, a state an interrupted write left and a
 * temporary file of a dead process are found; `--repair` fixes the safe ones.
 */
function deadPid(): number {
  return spawnSync('true').pid;
}

describeQemu('cartograph verify', () => {
  const sandbox = useQemuSandbox();

  async function suite() {
    const dir = await sandbox.dir();
    const s = await statesSuite(dir);
    const ctx: StateContext = {
      ...s.ctx,
      manifestFor: (target, state) => ({
        key: `key-${state}`,
        producer: `${state}@vm1`,
        parents: {},
      }),
    };
    await createRoots([s.image], ctx);
    await writePattern(s.active, 0x11);
    await setStates([withParams(s.image, { set_state: 'install' })], ctx);
    await writePattern(s.active, 0x22, '1M');
    await setStates([withParams(s.image, { set_state: 'customize' })], ctx);
    const verify = async (...args: string[]) => {
      const out = await runCli(
        ['verify', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg', ...args],
        dir,
      );
      return {
        ...out,
        report: args.includes('--json') ? (JSON.parse(out.stdout) as VerifyReport) : undefined,
      };
    };
    const problems = (report: VerifyReport | undefined, state: string | null) =>
      report?.entries
        .filter((e) => e.state === state)
        .flatMap((e) => e.problems.map((p) => p.code));
    return { ...s, ctx, dir, verify, problems };
  }

  it('passes a sound pool', async () => {
    const { verify } = await suite();
    const text = await verify();
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toBe('verify: 2 states and 1 image checked: 0 errors, 0 warnings\n');
    const { report } = await verify('--json');
    expect(report?.entries.map((e) => [e.state, e.trust ?? null, e.problems])).toEqual([
      [null, null, []],
      ['customize', 'manifest', []],
      ['install', 'manifest', []],
    ]);
  });

  it('finds a truncated state file, a missing backing file and bad manifests', async () => {
    const { verify, problems, pool, dir } = await suite();
    await truncate(join(pool, 'customize.qcow2'), 300 * 1024);
    let out = await verify('--json');
    expect(out.code).toBe(1);
    expect(problems(out.report, 'customize')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(corrupt|unreadable)$/)]),
    );
    expect(problems(out.report, 'install')).toEqual([]);

    await writeFile(join(pool, 'install.json'), '{ "format": 1');
    out = await verify('--json');
    expect(problems(out.report, 'install')).toEqual(['manifest-bad']);

    await rm(join(pool, 'install.qcow2'));
    out = await verify('--json');
    expect(out.code).toBe(1);
    // The state built on it and the active image (built on that) lost their backing file.
    expect(problems(out.report, 'customize')).toContain('backing-missing');
    expect(problems(out.report, null)).toContain('backing-missing');
    const text = await verify();
    expect(text.stdout).toContain('customize [qcow2ext]: error backing-missing');
    expect(text.stdout).toContain(join(pool, 'install.qcow2'));
    expect(existsSync(join(dir, 'images', 'vm1.qcow2'))).toBe(true);
  });

  it('repairs leaked clusters of a vm killed after saving a state', async () => {
    const { verify, problems, vm, ctx } = await suite();
    await getStates([withParams(vm.images[0] ?? vm, { get_state: 'customize' })], ctx);
    await bootVms([vm], ctx);
    try {
      await setStates([withParams(vm, { set_state: 'on' })], ctx);
      const running = await findVm(vm, ctx);
      // A SIGKILL right after a savevm leaves a leaked cluster (qemu-notes §6).
      process.kill(running?.pid ?? 0, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      let out = await verify('--json');
      expect(out.code).toBe(1);
      expect(problems(out.report, null)).toEqual(['leaks']);
      expect(problems(out.report, 'on')).toEqual([]);
      out = await verify('--repair', '--json');
      expect(out.code).toBe(0);
      expect(out.report?.repaired).toBeGreaterThanOrEqual(1);
      expect((await verify()).code).toBe(0);
    } finally {
      await shutdownVms([vm], ctx);
    }
  });

  it('reports a state an interrupted write left, and --repair discards it', async () => {
    const { verify, problems, pool, dir } = await suite();
    const marker = {
      pid: deadPid(),
      host: hostname(),
      owner: 'set customize',
      startedAt: new Date().toISOString(),
      token: 'x',
      op: 'set',
    };
    await writeFile(join(pool, '.customize.writing'), JSON.stringify(marker));
    await writeFile(join(pool, `.install.qcow2.${marker.pid}.abcd1234.tmp`), 'junk');
    const shown = await runCli(['show', '--objects', 'objects.cfg'], dir);
    expect(shown.stdout).toContain('vm1/image1 [qcow2ext]: customize (incomplete) install\n');
    let out = await verify('--json');
    expect(out.code).toBe(1);
    expect(problems(out.report, 'customize')).toEqual(['incomplete']);
    out = await verify('--repair', '--json');
    expect(out.code).toBe(0);
    expect(out.report?.entries.find((e) => e.state === 'customize')?.problems[0]).toMatchObject({
      code: 'incomplete',
      repaired: expect.stringContaining('discarded') as string,
    });
    expect(existsSync(join(pool, 'customize.qcow2'))).toBe(false);
    expect(existsSync(join(pool, '.customize.writing'))).toBe(false);
    expect(existsSync(join(pool, `.install.qcow2.${marker.pid}.abcd1234.tmp`))).toBe(false);
    // What remains is sound.
    const again = await verify();
    expect(again.code).toBe(0);
  });

  it('warns about states without manifests and manifests without states', async () => {
    const { verify, problems, pool, image, ctx } = await suite();
    await setStates([withParams(image, { set_state: 'byhand' })], {
      ...ctx,
      manifestFor: undefined,
    });
    await writeFile(join(pool, 'gone.json'), '{}');
    const out = await verify('--json');
    expect(out.code).toBe(0);
    expect(problems(out.report, 'byhand')).toEqual(['no-manifest']);
    expect(problems(out.report, 'gone')).toEqual(['orphan-manifest']);
    expect((await verify('--repair')).code).toBe(0);
    expect(existsSync(join(pool, 'gone.json'))).toBe(false);
  });

  it('checks its options', async () => {
    const { dir } = await suite();
    const out = await runCli(['verify', '--lock-timeout', 'soon'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--lock-timeout');
    expect((await runCli(['verify', '--help'], dir)).stdout).toContain('--repair');
  });
});
