/**
 * SIGKILL of a state operation in another process at random moments, for the kill tests of
 * the backends: children that loaded the states module ahead of time (so the kill window is
 * the operation, not node's start-up), kills timed over the whole operation or over the part
 * after its in-progress marker appeared, and the rules every inspection right after a kill must
 * follow.
 */
import { watch } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  inspectStates,
  recoverStates,
  type Recovery,
  setStates,
  type StateContext,
  type StateInspection,
  type StateManifestInput,
  type StateTarget,
} from '../../src/states/index.js';
import { describeQemu } from './qemu-available.js';
import { type QemuSandbox, useQemuSandbox } from './qemu-sandbox.js';
import { statesWorkspace } from './states-fixture.js';
import { withParams } from './states-targets.js';
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
  /**
   * The kill loop of a set test: {@link KILL_ITERATIONS} rounds of "set a state in a child,
   * SIGKILL it at a random moment, inspect, recover, set it again", with the rules every round
   * must follow checked here and the backend's own checks in `spec`. Expects some kills to
   * have fallen while the state was incomplete.
   */
  killSets(spec: SetKillSpec): Promise<KillTally>;
}

/** One round of {@link KillHarness.killSets}. */
export interface KillRound {
  readonly i: number;
  /** The manifest key the round's set records. */
  readonly key: string;
  readonly state: string;
}

/** What a set test adds to the common kill loop. */
export interface SetKillSpec {
  /** The object whose states are set (its params get `set_state`). */
  readonly target: StateTarget;
  readonly ctx: StateContext;
  /** Where the backend writes the in-progress markers of the target's states. */
  readonly recordDir: string;
  readonly windows: KillWindows;
  /** The state round `i` sets. */
  stateOf(i: number): string;
  /** Before the kill: bring the object to what the round saves. */
  prepare?(round: KillRound): Promise<void>;
  /** Right after the kill, with what an inspection saw before anyone cleaned up. */
  afterKill?(round: KillRound, seen: StateInspection | undefined): Promise<void>;
  /** After the recovery, with the state (trusted or missing), before it is set again. */
  afterRecovery?(round: KillRound, after: StateInspection | undefined): Promise<void>;
  /** After the state was set again, with the round's key. */
  afterRebuild?(round: KillRound): Promise<void>;
}

/** Sets `state` of `target` in this process, recording a manifest with `key`. */
export function setWithKey(
  target: StateTarget,
  state: string,
  key: string,
  ctx: StateContext,
): Promise<unknown> {
  return setStates([withParams(target, { set_state: state })], {
    ...ctx,
    manifestFor: () => killManifest(key),
  });
}

/** The inspection of one state of `target`. */
export async function inspectOne(
  target: StateTarget,
  state: string,
  ctx: StateContext,
): Promise<StateInspection | undefined> {
  return (await inspectStates([{ target, state }], ctx))[0];
}

/** What a kill test gets: a sandbox, a workspace in it and the harness. */
export interface KillTestKit {
  readonly sandbox: QemuSandbox;
  readonly harness: KillHarness;
  readonly workspace: Awaited<ReturnType<typeof statesWorkspace>>;
}

/** A kill test file: one QEMU-gated suite with one test, its harness and workspace. */
export function describeKills(
  suite: string,
  test: string,
  body: (kit: KillTestKit) => Promise<void>,
): void {
  describeQemu(suite, () => {
    const sandbox = useQemuSandbox();
    const harness = useKillHarness(sandbox);
    it(
      test,
      async () => {
        await body({ sandbox, harness, workspace: await statesWorkspace(sandbox) });
      },
      KILL_TIMEOUT_MS,
    );
  });
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

    async killSets(spec) {
      const { target, ctx } = spec;
      const tally: KillTally = { beforeChange: 0, incomplete: 0, completed: 0 };
      for (let i = 1; i <= KILL_ITERATIONS; i++) {
        const round: KillRound = { i, key: `k${i}`, state: spec.stateOf(i) };
        const before = await inspectOne(target, round.state, ctx);
        await spec.prepare?.(round);
        await this.kill(
          withParams(target, { set_state: round.state }),
          ctx,
          round.key,
          spec.recordDir,
          spec.windows,
          i,
        );
        const seen = await inspectOne(target, round.state, ctx);
        this.expectNothingHalfTrusted(
          seen,
          before?.trust === 'manifest' ? before.manifest?.key : undefined,
          round.key,
          tally,
        );
        await spec.afterKill?.(round, seen);
        await this.recoverAll([target], ctx);
        const after = await inspectOne(target, round.state, ctx);
        expect(['manifest', 'missing']).toContain(after?.trust);
        await spec.afterRecovery?.(round, after);
        await setWithKey(target, round.state, round.key, ctx);
        expect(await inspectOne(target, round.state, ctx)).toMatchObject({
          trust: 'manifest',
          manifest: { key: round.key },
        });
        await spec.afterRebuild?.(round);
      }
      // The kills fell before, inside and after the write (on any normal machine).
      expect(tally.beforeChange + tally.incomplete + tally.completed).toBe(KILL_ITERATIONS);
      expect(tally.incomplete).toBeGreaterThan(0);
      return tally;
    },
  };
}
