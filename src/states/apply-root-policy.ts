import { StateAbortError } from './state-abort-error.js';
import type { Policy } from './parse-policy.js';
import type { ResolvedContext } from './resolved-context.js';
import { rootStateOf } from './root-state-of.js';
import type { RootOutcome, StateResult } from './state-result.js';
import type { StateTarget } from './state-target.js';
import type { TargetBackend } from './target-backend.js';

/**
 * The root prerequisite (`check_mode`, default `rf`) of an object: root there → r reuse it,
 * a abort, f remove it (then it counts as missing); root missing → a abort, i go on without
 * it, f create it (create the image, or boot the vm). `done` is what earlier objects had done,
 * carried by an abort.
 */
export async function applyRootPolicy(
  target: StateTarget,
  backend: TargetBackend,
  policy: Policy,
  ctx: ResolvedContext,
  done: readonly StateResult[],
): Promise<RootOutcome> {
  const state = rootStateOf(target);
  const existed = await backend.checkRoot(ctx);
  // After `f` removed it, the root is missing and the second letter speaks about that.
  const abort = (letter: string, present = existed): never => {
    throw new StateAbortError({
      target: target.id,
      state,
      existed: present,
      policy: { param: policy.param, value: policy.value, letter },
      results: done,
    });
  };
  const outcome = (letter: string, action: RootOutcome['action']): RootOutcome => ({
    state,
    existed,
    policy: { param: policy.param, value: policy.value, letter },
    action,
  });
  if (existed) {
    if (policy.exists === 'r') return outcome('r', 'kept');
    if (policy.exists === 'a') return abort('a');
    await backend.unsetRoot(ctx);
    if (policy.missing === 'a') return abort('a', false);
    if (policy.missing === 'i') return outcome('f', 'removed');
    await backend.setRoot(ctx);
    return outcome('f', 'overwritten');
  }
  if (policy.missing === 'a') return abort('a');
  if (policy.missing === 'i') return outcome('i', 'ignored');
  await backend.setRoot(ctx);
  return outcome('f', 'created');
}
