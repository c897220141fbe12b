/**
 * SIGKILL of a state operation in another process at random moments, for the kill tests of
 * the backends: children that loaded the states module ahead of time (so the kill window is
 * the operation, not node's start-up), kills timed over the whole operation or over the part
 * after its in-progress marker appeared, and the rules every inspection right after a kill must
 * follow.
 */
import { watch } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, expect } from 'vitest';
import {
  recoverStates,
  type Recovery,
  type StateContext,
  type StateInspection,
  type StateManifestInput,
  type StateTarget,
} from '../../src/states/index.js';
import type { QemuSandbox } from './qemu-sandbox.js';
import { spawnStateChild, type StateChild, statesChildScript, targetSpec } from './states-child.js';

/** Kills per backend (`CARTOGRAPH_KILL_ITERATIONS` to run more). */
export const KILL_ITERATIONS = Number(process.env.CARTOGRAPH_KILL_ITERATIONS ?? 12);
/** About a second per kill on the 2-core machine of the notes, with room to spare. */
export const KILL_TIMEOUT_MS = 20_000 + KILL_ITERATIONS * 3_000;

/** The manifest a set records in these tests. */
export const killManifest = (key: string): StateManifestInput => ({
  key,
  producer: 'test',
  parents: {},
});

/** Where the kills fell: before the state changed, while it was incomplete, after it was done. */
export interface KillTally {
  beforeChange: number;
  incomplete: number;
  completed: number;
}

/** How long an operation and its writing part take in a child (the kill windows). */
export interface KillWindows {
  readonly whole: number;
  readonly writing: number;
}

/** What {@link useKillHarness} gives a test file. */
export interface KillHarness {
  /** Times `op` of `target` (its `<op>_state` names the state) in a child, uninterrupted. */
  measure(
    target: StateTarget,
    ctx: StateContext,
    recordDir: string,
    op?: 'set' | 'unset',
  ): Promise<KillWindows>;
  /**
   * Runs `op` in a child and SIGKILLs it after a random part of its whole run or, for odd `i`,
   * of the part after its marker appeared in `recordDir`. Resolves with whether it finished.
   */
  kill(
    target: StateTarget,
    ctx: StateContext,
    key: string,
    recordDir: string,
    windows: KillWindows,
    i: number,
    op?: 'set' | 'unset',
  ): Promise<boolean>;
  /** The rules right after a killed set, before anyone cleaned up; counts where it fell. */
  expectNothingHalfTrusted(
    seen: StateInspection | undefined,
    oldKey: string | undefined,
    newKey: string,
    tally: KillTally,
  ): void;
  /** Cleans up after the kill (as the next operation would) and expects it all dealt with. */
  recoverAll(targets: StateTarget[], ctx: StateContext): Promise<Recovery[]>;
}

/** Resolves when `name` appears in `dir` (a marker: the backend began to change the state). */
function appears(dir: string, name: string): { seen: Promise<void>; stop: () => void } {
  let stop = (): void => undefined;
  const seen = new Promise<void>((resolve) => {
    const watcher = watch(dir, (_, file) => {
      if (file === name) resolve();
    });
    stop = () => {
      watcher.close();
    };
  });
  return { seen, stop };
}

/** Registers the hooks of a kill test file and returns its harness. */
export function useKillHarness(sandbox: QemuSandbox): KillHarness {
  let script = '';
  let spare: StateChild | undefined;
  beforeAll(async () => {
    script = await statesChildScript(await sandbox.dir());
  });
  // The sandbox kills every child after each test, the spare too.
  afterEach(() => {
    spare = undefined;
  });

  /** A child that has loaded the module already (the next one warms up meanwhile). */
  function warmChild(): StateChild {
    const child = spare ?? spawnStateChild(script);
    spare = spawnStateChild(script);
    sandbox.trackPid(child.pid);
    sandbox.trackPid(spare.pid);
    return child;
  }

  return {
    async measure(target, ctx, recordDir, op = 'set') {
      const state = target.params.get(`${op}_state`) ?? '';
      const child = warmChild();
      const marker = appears(recordDir, `.${state}.writing`);
      let began = 0;
      void marker.seen.then(() => (began = performance.now()));
      await child.start({
        op,
        targets: [targetSpec(target)],
        cwd: ctx.cwd,
        runDir: ctx.runDir,
        manifest: killManifest('calibration'),
      });
      const started = performance.now();
      const end = await child.ended;
      marker.stop();
      expect(end.stdout).toContain('done');
      const now = performance.now();
      expect(began).toBeGreaterThan(0);
      return { whole: (now - started) * 1.5, writing: now - began };
    },

    async kill(target, ctx, key, recordDir, windows, i, op = 'set') {
      const state = target.params.get(`${op}_state`) ?? '';
      const child = warmChild();
      const marker = appears(recordDir, `.${state}.writing`);
      await child.start({
        op,
        targets: [targetSpec(target)],
        cwd: ctx.cwd,
        runDir: ctx.runDir,
        manifest: killManifest(key),
      });
      if (i % 2 === 0) {
        await sleep(Math.random() * windows.whole);
      } else {
        await Promise.race([marker.seen, child.ended]);
        await sleep(Math.random() * windows.writing);
      }
      marker.stop();
      child.process.kill('SIGKILL');
      const end = await child.ended;
      return end.stdout.includes('done');
    },

    expectNothingHalfTrusted(seen, oldKey, newKey, tally) {
      // A state without its manifest would be reused as "unverified": never after a kill.
      expect(seen?.trust).not.toBe('unverified');
      if (seen?.trust === 'manifest') {
        expect([oldKey, newKey]).toContain(seen.manifest?.key);
        if (seen.manifest?.key === newKey) tally.completed++;
        else tally.beforeChange++;
      } else if (seen?.trust === 'incomplete') {
        tally.incomplete++;
      } else {
        expect(oldKey).toBeUndefined();
        tally.beforeChange++;
      }
    },

    async recoverAll(targets, ctx) {
      const recovered = await recoverStates(targets, ctx);
      expect(recovered.filter((r) => !r.done)).toEqual([]);
      return recovered;
    },
  };
}
