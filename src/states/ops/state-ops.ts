/**
 * The state operations `get`, `set`, `unset`, `push` and `pop`: each target's state under its
 * policy, with locks, recovery and manifests.
 */
import { performance } from 'node:perf_hooks';
import { StateError } from '../../errors.js';
import { pathExists } from '../../shared/index.js';
import { backendFor, type TargetBackend } from '../backends/index.js';
import { lockKeys, withObjectLocks } from '../locks/index.js';
import { recordDirOf } from '../pool/index.js';
import { recordUse, stateRecord } from '../records/index.js';
import {
  describeRecoveries,
  guardedWrite,
  recoverTarget,
  type Recovery,
} from '../recovery/index.js';
import type { StateTarget } from '../target.js';
import { stopVm } from '../vms/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from './context.js';
import {
  applyRootPolicy,
  assertStateName,
  isRootState,
  parsePolicy,
  type Policy,
  rootStateOf,
} from './policy.js';
import {
  type RootOutcome,
  StateAbortError,
  type StateAction,
  type StateResult,
} from './results.js';

/**
 * Which parameters drive a state operation: `get`/`set`/`unset` read `<op>_state` and
 * `<op>_mode`; push is a set driven by `push_state`/`push_mode`, pop a get and then an unset
 * driven by `pop_state`/`pop_mode` (avocado-i2n's push_states/pop_states).
 */
export interface StateOpSpec {
  readonly op: 'get' | 'set' | 'unset';
  readonly via?: 'push' | 'pop';
  /** Parameter naming the state (`get_state`, `push_state`, …). */
  readonly stateParam: string;
  /** Parameter holding the two-letter policy. */
  readonly modeParam: string;
  /** The policy when the parameter is not set. */
  readonly defaultMode: string;
}

interface Job {
  readonly target: StateTarget;
  readonly spec: StateOpSpec;
  readonly state: string;
  readonly policy: Policy;
  readonly rootPolicy: Policy;
  readonly backend: TargetBackend;
  readonly keys: readonly string[];
}

/** Reads and checks everything a job needs, so that bad params fail before any work. */
function plan(
  targets: readonly StateTarget[],
  specs: readonly StateOpSpec[],
  ctx: ResolvedContext,
): Job[] {
  const jobs: Job[] = [];
  for (const target of targets) {
    for (const spec of specs) {
      const state = target.params.get(spec.stateParam);
      if (state === undefined || state === '') continue;
      if (isRootState(state)) rootStateOf(target, state);
      else assertStateName(state, `${spec.stateParam} of ${target.id}`);
      jobs.push({
        target,
        spec,
        state,
        policy: parsePolicy(target, spec.op, spec.modeParam, spec.defaultMode),
        rootPolicy: parsePolicy(target, 'root', 'check_mode', 'rf'),
        backend: backendFor(target),
        keys: lockKeys(target, ctx.cwd, ctx.runDir),
      });
    }
  }
  return jobs;
}

/**
 * Runs state operations over targets in order, each under its target's locks (in-process and
 * cross-process, `withObjectLocks`, which first deals with what interrupted operations left):
 * for every target whose params name a state (`spec.stateParam`), apply the root prerequisite
 * (`check_mode`) unless the state is a root itself, look whether the state exists, and do
 * what the policy letter says. Image operations first stop the object's vm (they need it off).
 * Sets and unsets follow the write protocol of `guardedWrite` (marker, state, manifest); a get
 * records the use. A policy abort throws a {@link StateAbortError} carrying what was done
 * before; targets whose params name no state are left out of the results.
 */
export async function runStateOps(
  targets: readonly StateTarget[],
  specs: readonly StateOpSpec[],
  ctx: ResolvedContext,
): Promise<StateResult[]> {
  const jobs = plan(targets, specs, ctx);
  const results: StateResult[] = [];
  for (const job of jobs) {
    const started = performance.now();
    const { target, spec, state, backend } = job;
    ctx.emit({ type: 'state-start', op: spec.op, target: target.id, state, backend: backend.name });
    const done = await withObjectLocks(
      [target],
      job.keys,
      `${spec.via ?? spec.op} ${state} of ${target.id}`,
      ctx,
      (recovered) => runJob(job, results, recovered, ctx),
    );
    const result: StateResult = {
      op: spec.op,
      ...(spec.via === undefined ? {} : { via: spec.via }),
      target: target.id,
      kind: target.kind,
      state,
      backend: backend.name,
      ...done,
      durationMs: Math.round(performance.now() - started),
    };
    results.push(result);
    ctx.emit({ type: 'state-end', result });
  }
  return results;
}

type JobOutcome = Pick<StateResult, 'existed' | 'policy' | 'action' | 'root' | 'detail'>;

async function runJob(
  job: Job,
  done: readonly StateResult[],
  recovered: readonly Recovery[],
  ctx: ResolvedContext,
): Promise<JobOutcome> {
  const all = [...recovered];
  const outcome = await runPolicy(job, done, all, ctx);
  const notes = describeRecoveries(all);
  if (notes === undefined) return outcome;
  return {
    ...outcome,
    detail: outcome.detail === undefined ? notes : `${notes}; ${outcome.detail}`,
  };
}

async function runPolicy(
  job: Job,
  done: readonly StateResult[],
  recovered: Recovery[],
  ctx: ResolvedContext,
): Promise<JobOutcome> {
  const { target, spec, state, policy, backend } = job;
  const root = isRootState(state);
  if (root && spec.via !== undefined) {
    // The reference skips roots in push and pop: they are not states one stacks.
    return {
      existed: await backend.checkRoot(ctx),
      policy: { param: policy.param, value: policy.value, letter: '' },
      action: 'skipped',
      detail: `root states are not ${spec.via === 'push' ? 'pushed' : 'popped'}`,
    };
  }
  if (target.kind === 'images') {
    const stopped = await stopVm(
      target.vmId,
      `${spec.op} of state "${state}" of ${target.id} needs it off`,
      ctx,
    );
    // What the running vm kept from being cleaned up (its image was in use) can be now.
    if (stopped !== undefined && recovered.some((r) => !r.done)) {
      recovered.push(...(await recoverTarget(target, ctx)));
    }
  }
  let rootOutcome: RootOutcome | undefined;
  if (!root) {
    // A vm booted only to restore a vm state into need not wait for its guest to come up.
    const rootCtx: ResolvedContext = spec.op === 'get' ? { ...ctx, bootFor: 'restore' } : ctx;
    rootOutcome = await applyRootPolicy(target, backend, job.rootPolicy, rootCtx, done);
  }
  if (!root) await assertNotIncomplete(target, state, backend, ctx);
  const existed = root ? await backend.checkRoot(ctx) : await backend.exists(state, ctx);
  const letter = existed ? policy.exists : policy.missing;
  const choice = { param: policy.param, value: policy.value, letter };
  if (letter === 'a') {
    throw new StateAbortError({ target: target.id, state, existed, policy: choice, results: done });
  }
  let action: StateAction;
  let detail: string | undefined;
  switch (spec.op) {
    case 'get':
      if (letter === 'i') {
        action = 'ignored';
      } else {
        if (root) {
          await backend.getRoot(ctx);
        } else {
          detail = await backend.get(state, ctx);
          await recordUse(target, state, backend.name, ctx.cwd);
        }
        action = 'restored';
      }
      break;
    case 'set':
      if (existed && letter === 'r') {
        action = 'kept';
      } else if (existed) {
        if (root) {
          await backend.unsetRoot(ctx);
          detail = await backend.setRoot(ctx);
        } else {
          detail = await guardedWrite(target, state, 'set', backend, ctx, (begin) =>
            backend.set(state, true, ctx, begin),
          );
        }
        action = 'overwritten';
      } else {
        if (
          rootOutcome !== undefined &&
          !['kept', 'created', 'overwritten'].includes(rootOutcome.action)
        ) {
          throw new StateError(
            'STATE_MISSING',
            `${target.id}: cannot set state "${state}" without its root "${rootOutcome.state}" (${rootOutcome.policy.param} = ${rootOutcome.policy.value} left it missing)`,
            { hint: 'let check_mode create the root (second letter f)' },
          );
        }
        detail = root
          ? await backend.setRoot(ctx)
          : await guardedWrite(target, state, 'set', backend, ctx, (begin) =>
              backend.set(state, false, ctx, begin),
            );
        action = 'created';
      }
      break;
    case 'unset':
      if (letter === 'r') {
        action = 'kept';
      } else if (letter === 'i') {
        action = 'ignored';
      } else {
        detail = root
          ? await backend.unsetRoot(ctx)
          : await guardedWrite(target, state, 'unset', backend, ctx, (begin) =>
              backend.unset(state, ctx, begin),
            );
        action = 'removed';
      }
      break;
  }
  return {
    existed,
    policy: choice,
    action,
    ...(rootOutcome === undefined ? {} : { root: rootOutcome }),
    ...(detail === undefined ? {} : { detail }),
  };
}

/**
 * A marker still there after the recovery that opened the operation: what the interrupted
 * operation left could not be dealt with (the recovery said why). No operation may build on it.
 */
async function assertNotIncomplete(
  target: StateTarget,
  state: string,
  backend: TargetBackend,
  ctx: ResolvedContext,
): Promise<void> {
  const record = stateRecord(recordDirOf(target, backend.name, ctx.cwd), state);
  if (await pathExists(record.marker)) {
    throw new StateError(
      'STATE_CORRUPT',
      `${target.id}: state "${state}" was left incomplete by an interrupted operation (${record.marker}), and it could not be discarded`,
      { hint: 'run cartograph verify --repair to see why; remove the state by hand if need be' },
    );
  }
}

/**
 * Gets the states named by `get_state` (policy `get_mode`, default `ra`): an existing state
 * is restored (r), aborts (a) or is left alone (i); a missing one aborts (a) or is ignored (i).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function getStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'get', stateParam: 'get_state', modeParam: 'get_mode', defaultMode: 'ra' }],
    resolvedContext(ctx),
  );
}

/**
 * Sets the states named by `set_state` (policy `set_mode`, default `ff`): an existing state
 * aborts (a), is kept (r) or is overwritten (f); a missing one aborts (a) or is created (f).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function setStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'set', stateParam: 'set_state', modeParam: 'set_mode', defaultMode: 'ff' }],
    resolvedContext(ctx),
  );
}

/**
 * Unsets the states named by `unset_state` (policy `unset_mode`, default `fi`): an existing
 * state is kept (r) or removed (f); a missing one aborts (a) or is ignored (i).
 * The root prerequisite (`check_mode`) is applied first; a policy abort throws
 * `StateAbortError` (`STATE_ABORT`) and what was done to earlier targets stays done.
 */
export function unsetStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [{ op: 'unset', stateParam: 'unset_state', modeParam: 'unset_mode', defaultMode: 'fi' }],
    resolvedContext(ctx),
  );
}

/**
 * Pushes the states named by `push_state`: a set with the policy `push_mode` (default `af`:
 * abort when the state exists, create it when missing). Root states are skipped.
 */
export function pushStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [
      {
        op: 'set',
        via: 'push',
        stateParam: 'push_state',
        modeParam: 'push_mode',
        defaultMode: 'af',
      },
    ],
    resolvedContext(ctx),
  );
}

/**
 * Pops the states named by `pop_state`, object by object: a get with the policy `pop_mode`
 * (default `ra`), then an unset with `pop_mode` (default `fa`), as avocado-i2n's pop_states
 * does (one `pop_mode`, when set, must therefore be valid for both). Root states are skipped.
 */
export function popStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runStateOps(
    targets,
    [
      { op: 'get', via: 'pop', stateParam: 'pop_state', modeParam: 'pop_mode', defaultMode: 'ra' },
      {
        op: 'unset',
        via: 'pop',
        stateParam: 'pop_state',
        modeParam: 'pop_mode',
        defaultMode: 'fa',
      },
    ],
    resolvedContext(ctx),
  );
}
