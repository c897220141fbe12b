/**
 * The root operations `create`, `clean`, `boot` and `shutdown` under `check_mode` and
 * `unset_mode`.
 */
import { performance } from 'node:perf_hooks';
import { backendFor, type TargetBackend } from '../backends/index.js';
import { lockKeys, withObjectLocks } from '../locks/index.js';
import { describeRecoveries } from '../recovery/index.js';
import { imageTargetsOf, type StateTarget, type VmTarget } from '../target.js';
import { stopVm } from '../vms/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from './context.js';
import { applyRootPolicy, parsePolicy, type Policy, rootStateOf } from './policy.js';
import { StateAbortError, type StateResult } from './results.js';

/**
 * The commands that work on roots: `create` and `boot` make the root under `check_mode`
 * (default `rf`: keep it when there, create it when missing), `clean` and `shutdown` remove it
 * under `unset_mode` (default `fi`: remove it when there, nothing to do when missing).
 */
export interface RootOpSpec {
  readonly op: 'create' | 'clean' | 'boot' | 'shutdown';
  /** `make`: the root policy (`check_mode`); `remove`: the unset policy (`unset_mode`). */
  readonly mode: 'make' | 'remove';
}

type RootOutcome = Pick<StateResult, 'existed' | 'policy' | 'action' | 'detail'>;

/**
 * Makes or removes the roots of targets in order, each under its locks (in-process and
 * cross-process; what interrupted operations left is dealt with first): `make` applies
 * `check_mode` (default `rf`), `remove` applies `unset_mode` (default `fi`) to the root. Image
 * roots are handled with their vm off. A policy abort throws a `StateAbortError` carrying what
 * was done before.
 */
export async function runRootOps(
  targets: readonly StateTarget[],
  spec: RootOpSpec,
  ctx: ResolvedContext,
): Promise<StateResult[]> {
  const jobs = targets.map((target) => ({
    target,
    backend: backendFor(target),
    policy:
      spec.mode === 'make'
        ? parsePolicy(target, 'root', 'check_mode', 'rf')
        : parsePolicy(target, 'unset', 'unset_mode', 'fi'),
    keys: lockKeys(target, ctx.cwd, ctx.runDir),
  }));
  const results: StateResult[] = [];
  for (const { target, backend, policy, keys } of jobs) {
    const started = performance.now();
    const state = rootStateOf(target);
    ctx.emit({ type: 'state-start', op: spec.op, target: target.id, state, backend: backend.name });
    const outcome = await withObjectLocks(
      [target],
      keys,
      `${spec.op} ${target.id}`,
      ctx,
      async (recovered) => {
        const done = await rootJob(target, backend, policy, spec, results, ctx);
        const detail = [describeRecoveries(recovered), done.detail].filter((d) => d !== undefined);
        return { ...done, ...(detail.length === 0 ? {} : { detail: detail.join('; ') }) };
      },
    );
    const result: StateResult = {
      op: spec.op,
      target: target.id,
      kind: target.kind,
      state,
      backend: backend.name,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
    };
    results.push(result);
    ctx.emit({ type: 'state-end', result });
  }
  return results;
}

async function rootJob(
  target: StateTarget,
  backend: TargetBackend,
  policy: Policy,
  spec: RootOpSpec,
  results: readonly StateResult[],
  ctx: ResolvedContext,
): Promise<RootOutcome> {
  const state = rootStateOf(target);
  if (target.kind === 'images') {
    await stopVm(target.vmId, `${spec.op} of ${target.id} needs it off`, ctx);
  }
  if (spec.mode === 'make') {
    const root = await applyRootPolicy(target, backend, policy, ctx, results);
    return { existed: root.existed, policy: root.policy, action: root.action };
  }
  const existed = await backend.checkRoot(ctx);
  const letter = existed ? policy.exists : policy.missing;
  const choice = { param: policy.param, value: policy.value, letter };
  if (letter === 'a') {
    throw new StateAbortError({ target: target.id, state, existed, policy: choice, results });
  }
  if (letter === 'r') return { existed, policy: choice, action: 'kept' };
  if (letter === 'i') return { existed, policy: choice, action: 'ignored' };
  const detail = await backend.unsetRoot(ctx);
  return {
    existed,
    policy: choice,
    action: 'removed',
    ...(detail === undefined ? {} : { detail }),
  };
}

/**
 * `create`: makes the images' roots under `check_mode` (default `rf`: an existing image is
 * kept, a missing one created with `image_size` or converted from `raw_image`; `f` first
 * recreates an existing one). A vm target stands for all its images.
 */
export function createRoots(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(imageTargetsOf(targets), { op: 'create', mode: 'make' }, resolvedContext(ctx));
}

/**
 * `clean`: removes the images' roots (the active images; a running vm is stopped first) under
 * `unset_mode` (default `fi`: remove what is there, ignore what is missing). External states
 * in the pool stay. A vm target stands for all its images.
 */
export function cleanRoots(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(imageTargetsOf(targets), { op: 'clean', mode: 'remove' }, resolvedContext(ctx));
}

/**
 * `boot`: makes the vms' root `boot` under `check_mode` (default `rf`: a running vm is kept, a
 * stopped one booted, missing images created first). The vms keep running after this returns
 * (detached), until `shutdownVms` or an image operation stops them.
 */
export function bootVms(targets: readonly VmTarget[], ctx: StateContext): Promise<StateResult[]> {
  return runRootOps(targets, { op: 'boot', mode: 'make' }, resolvedContext(ctx));
}

/**
 * `shutdown`: removes the vms' root `boot` under `unset_mode` (default `fi`): a running vm is
 * stopped cleanly (QMP `quit`, then signals; leaked clusters repaired after a kill), a stopped
 * one ignored.
 */
export function shutdownVms(
  targets: readonly VmTarget[],
  ctx: StateContext,
): Promise<StateResult[]> {
  return runRootOps(targets, { op: 'shutdown', mode: 'remove' }, resolvedContext(ctx));
}
