import { performance } from 'node:perf_hooks';
import { StateError } from '../errors.js';
import { applyRootPolicy } from './apply-root-policy.js';
import { assertStateName } from './assert-state-name.js';
import { backendFor } from './backend-for.js';
import { isRootState } from './is-root-state.js';
import { lockKeys } from './lock-keys.js';
import { parsePolicy } from './parse-policy.js';
import type { Policy } from './parse-policy.js';
import type { ResolvedContext } from './resolved-context.js';
import { rootStateOf } from './root-state-of.js';
import { StateAbortError } from './state-abort-error.js';
import type { StateOpSpec } from './state-op-spec.js';
import type { RootOutcome, StateAction, StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';
import { stopVm } from './stop-vm.js';
import type { TargetBackend } from './target-backend.js';

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
 * Runs state operations over targets in order, each under its target's locks: for every
 * target whose params name a state (`spec.stateParam`), apply the root prerequisite
 * (`check_mode`) unless the state is a root itself, look whether the state exists, and do
 * what the policy letter says. Image operations first stop the object's vm (they need it off).
 * A policy abort throws a {@link StateAbortError} carrying what was done before; targets whose
 * params name no state are left out of the results.
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
    const done = await ctx.locks.with(job.keys, () => runJob(job, results, ctx));
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
    await stopVm(target.vmId, `${spec.op} of state "${state}" of ${target.id} needs it off`, ctx);
  }
  let rootOutcome: RootOutcome | undefined;
  if (!root) rootOutcome = await applyRootPolicy(target, backend, job.rootPolicy, ctx, done);
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
        if (root) await backend.getRoot(ctx);
        else detail = await backend.get(state, ctx);
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
          detail = await backend.set(state, true, ctx);
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
        detail = root ? await backend.setRoot(ctx) : await backend.set(state, false, ctx);
        action = 'created';
      }
      break;
    case 'unset':
      if (letter === 'r') {
        action = 'kept';
      } else if (letter === 'i') {
        action = 'ignored';
      } else {
        detail = root ? await backend.unsetRoot(ctx) : await backend.unset(state, ctx);
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
