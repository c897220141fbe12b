import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkImage } from '../../../src/qemu/img/check-image.js';
import {
  createRoots,
  type GcReport,
  getStates,
  setStates,
  type StateContext,
} from '../../../src/states/index.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasPattern, writePattern } from '../../helpers/states-fixture.js';
import { statesSuite } from '../../helpers/states-suite.js';
import { withParams } from '../../helpers/states-targets.js';

/**
 * `cartograph gc` on real QEMU: removes the states no node sets (and what interrupted writes
 * left), keeps every state a kept state or the active image is built on, honours --keep-last,
 * --max-size and --dry-run, and says what it freed.
 */
describeQemu('cartograph gc', () => {
  const sandbox = useQemuSandbox();

  /**
   * The pool: install (set by a node) ← handmade (by hand) ← customize (set by a node), and
   * old (by hand) ← older (by hand) on install. The active image is built on install. Last
   * used, oldest first: older, old, handmade, customize, install.
   */
  async function suite() {
    const dir = await sandbox.dir();
    const s = await statesSuite(dir);
    const ctx: StateContext = {
      ...s.ctx,
      manifestFor: (_, state) => ({ key: `key-${state}`, producer: 'test', parents: {} }),
    };
    const set = (state: string) => setStates([withParams(s.image, { set_state: state })], ctx);
    const get = (state: string) => getStates([withParams(s.image, { get_state: state })], ctx);
    await createRoots([s.image], ctx);
    await writePattern(s.active, 0x11);
    await set('install');
    await writePattern(s.active, 0x22, '1M');
    await set('handmade');
    await writePattern(s.active, 0x33, '2M');
    await set('customize');
    await get('install');
    await writePattern(s.active, 0x44, '3M');
    await set('old');
    await writePattern(s.active, 0x55, '4M');
    await set('older');
    await get('install');
    const order = ['older', 'old', 'handmade', 'customize', 'install'];
    for (const [i, state] of order.entries()) {
      const t = new Date(Date.UTC(2030, 0, 1 + i));
      await utimes(join(s.pool, `${state}.json`), t, t);
    }
    const gc = async (...args: string[]) => {
      const out = await runCli(
        ['gc', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg', '--json', ...args],
        dir,
      );
      return { ...out, report: JSON.parse(out.stdout) as GcReport };
    };
    const files = async () => (await readdir(s.pool)).filter((f) => f.endsWith('.qcow2')).sort();
    const size = async (state: string) => (await stat(join(s.pool, `${state}.qcow2`))).size;
    return { ...s, dir, ctx, gc, files, size };
  }

  const names = (list: readonly { state: string }[]) => list.map((d) => d.state).sort();

  it('removes what no node sets, keeps what kept states are built on, and says so', async () => {
    const { gc, files, size, pool, active } = await suite();
    const before = await files();
    const freed = (await size('old')) + (await size('older'));

    const dry = await gc('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.report.dryRun).toBe(true);
    expect(names(dry.report.removed)).toEqual(['old', 'older']);
    expect(dry.report.freedBytes).toBe(freed);
    expect(await files()).toEqual(before);

    const { report, code } = await gc();
    expect(code).toBe(0);
    expect(names(report.removed)).toEqual(['old', 'older']);
    expect(report.removed.every((d) => d.reason === 'no node of the current config sets it')).toBe(
      true,
    );
    expect(report.freedBytes).toBe(freed);
    const reasons = Object.fromEntries(report.kept.map((d) => [d.state, d.reason]));
    expect(reasons).toEqual({
      install: 'the active image of vm1/image1 is built on it',
      customize: 'set by customize@vm1',
      handmade: 'kept state "customize" is built on it',
    });
    expect(await files()).toEqual(['customize.qcow2', 'handmade.qcow2', 'install.qcow2']);
    expect(existsSync(join(pool, 'old.json'))).toBe(false);
    // Every state left is whole, with its chain.
    expect((await checkImage(join(pool, 'customize.qcow2'))).status).toBe('clean');
    expect(await hasPattern(join(pool, 'customize.qcow2'), 0x22, '1M')).toBe(true);
    expect(await hasPattern(active, 0x11)).toBe(true);

    // The text form says the same.
    const again = await runCli(
      ['gc', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg'],
      pool.split('/pool/')[0] ?? '',
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('kept         vm1/image1 handmade [qcow2ext]');
    expect(again.stdout).toMatch(/gc: freed 0 B \(0 states\), kept 3 states/);
  });

  it('keeps the most recently used states of each object with --keep-last', async () => {
    const { gc, files, pool } = await suite();
    // old (built on install; older is built on it) was used last.
    const t = new Date(Date.UTC(2031, 0, 1));
    await utimes(join(pool, 'old.json'), t, t);
    const { report } = await gc('--keep-last', '1');
    expect(names(report.removed)).toEqual(['older']);
    expect(report.kept.find((d) => d.state === 'old')?.reason).toContain('--keep-last');
    expect(await files()).toEqual([
      'customize.qcow2',
      'handmade.qcow2',
      'install.qcow2',
      'old.qcow2',
    ]);
  });

  it('removes least recently used states beyond --max-size, never one others need', async () => {
    const { gc, files, size } = await suite();
    const install = await size('install');
    // Room for install only: customize (a leaf) goes as least recently used, handmade with it.
    const { report, stderr } = await gc('--max-size', String(install + 1));
    expect(names(report.removed)).toEqual(['customize', 'handmade', 'old', 'older']);
    expect(report.removed.find((d) => d.state === 'customize')?.reason).toContain(
      'least recently used',
    );
    expect(report.removed.find((d) => d.state === 'handmade')?.reason).toBe(
      'no node of the current config sets it',
    );
    expect(await files()).toEqual(['install.qcow2']);
    expect(report.overBudget).toBeUndefined();
    expect(stderr).toBe('');

    // A budget the active image's own chain exceeds cannot be met: said, not forced.
    const tight = await gc('--max-size', '1k');
    expect(tight.report.removed).toEqual([]);
    expect(tight.report.overBudget).toContain('must stay');
    expect(tight.stderr).toContain('over --max-size');
    expect(await files()).toEqual(['install.qcow2']);
  });

  it('removes what interrupted writes left', async () => {
    const { gc, files, pool } = await suite();
    const dead = spawnSync('true').pid;
    await writeFile(
      join(pool, '.older.writing'),
      JSON.stringify({ pid: dead, host: hostname(), token: 't', op: 'set' }),
    );
    const dry = await gc('--keep-last', '9', '--dry-run');
    expect(dry.report.removed.map((d) => [d.state, d.reason])).toEqual([
      ['older', 'left incomplete by an interrupted write'],
    ]);
    expect(await files()).toContain('older.qcow2');
    const { report } = await gc('--keep-last', '9');
    expect(report.removed.map((d) => d.state)).toEqual(['older']);
    expect(report.removed[0]?.reason).toMatch(/^left incomplete by an interrupted set/);
    expect(await files()).not.toContain('older.qcow2');
    expect(existsSync(join(pool, '.older.writing'))).toBe(false);
  });

  it('checks its options', async () => {
    const { dir } = await suite();
    for (const args of [
      ['--max-size', 'lots'],
      ['--keep-last', '-1'],
    ]) {
      const out = await runCli(
        ['gc', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg', ...args],
        dir,
      );
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(args[0]);
    }
  });
});
