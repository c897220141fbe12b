import { performance } from 'node:perf_hooks';
import { applyRootPolicy } from './apply-root-policy.js';
import { backendFor } from './backend-for.js';
import { describeRecoveries } from './describe-recoveries.js';
import { lockKeys } from './lock-keys.js';
import { parsePolicy } from './parse-policy.js';
import type { Policy } from './parse-policy.js';
import type { ResolvedContext } from './resolved-context.js';
import type { RootOpSpec } from './root-op-spec.js';
import { rootStateOf } from './root-state-of.js';
import { StateAbortError } from './state-abort-error.js';
import type { StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';
import { stopVm } from './stop-vm.js';
import type { TargetBackend } from './target-backend.js';
import { withObjectLocks } from './with-object-locks.js';

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
    keys: lockKeys(target, ctx.cwd),
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
