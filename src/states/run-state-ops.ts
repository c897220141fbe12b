import { performance } from 'node:perf_hooks';
import { StateError } from '../errors.js';
import { applyRootPolicy } from './apply-root-policy.js';
import { assertStateName } from './assert-state-name.js';
import { backendFor } from './backend-for.js';
import { describeRecoveries } from './describe-recoveries.js';
import { guardedWrite } from './guarded-write.js';
import { isRootState } from './is-root-state.js';
import { lockKeys } from './lock-keys.js';
import { parsePolicy } from './parse-policy.js';
import type { Policy } from './parse-policy.js';
import { pathExists } from './path-exists.js';
import { recordDirOf } from './record-dir-of.js';
import { recordUse } from './record-use.js';
import { recoverTarget } from './recover-target.js';
import type { Recovery } from './recovery.js';
import type { ResolvedContext } from './resolved-context.js';
import { rootStateOf } from './root-state-of.js';
import { StateAbortError } from './state-abort-error.js';
import type { StateOpSpec } from './state-op-spec.js';
import type { RootOutcome, StateAction, StateResult } from './state-result.js';
import { stateRecord } from './state-record.js';
import type { StateTarget } from './state-target.js';
import { stopVm } from './stop-vm.js';
import type { TargetBackend } from './target-backend.js';
import { withObjectLocks } from './with-object-locks.js';

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
function plan(targets: readonly StateTarget[], specs: readonly StateOpSpec[], cwd: string): Job[] {
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
        keys: lockKeys(target, cwd),
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
  const jobs = plan(targets, specs, ctx.cwd);
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
  if (!root) rootOutcome = await applyRootPolicy(target, backend, job.rootPolicy, ctx, done);
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
