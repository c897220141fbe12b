/**
 * Policies (`get_mode`, `set_mode`, `unset_mode`, `check_mode`): the letters, their meaning,
 * and how root states are made or kept under them; state names and root names.
 */
import { CartographError, StateError } from '../../errors.js';
import { checkStateName, ROOT_STATE_NAMES } from '../../params/index.js';
import type { TargetBackend } from '../backends/index.js';
import type { StateTarget } from '../target.js';
import type { ResolvedContext } from './context.js';
import { type RootOutcome, StateAbortError, type StateResult } from './results.js';

/**
 * The letters each policy accepts, per position (avocado-i2n's states/setup.py): the first
 * letter applies when the state exists, the second when it is missing.
 * - get (`get_mode`, `pop_mode`): exists → r reuse (restore it), a abort, i ignore;
 *   missing → a abort, i ignore.
 * - set (`set_mode`, `push_mode`): exists → a abort, r keep it, f overwrite;
 *   missing → a abort, f create.
 * - unset (`unset_mode`, `pop_mode`): exists → r keep it, f remove;
 *   missing → a abort, i ignore.
 * - root (`check_mode`, before an operation that needs the object's root): exists → r reuse,
 *   a abort, f remove it (then it is missing); missing → a abort, i ignore, f create.
 */
export const POLICY_RULES = {
  get: { exists: 'rai', missing: 'ai' },
  set: { exists: 'arf', missing: 'af' },
  unset: { exists: 'rf', missing: 'ai' },
  root: { exists: 'raf', missing: 'aif' },
} as const;

/** The kinds of policy. */
export type PolicyKind = keyof typeof POLICY_RULES;

/** A validated two-letter policy. */
export interface Policy {
  /** The parameter it was read from. */
  readonly param: string;
  /** The two letters. */
  readonly value: string;
  /** Letter applied when the state exists. */
  readonly exists: string;
  /** Letter applied when the state is missing. */
  readonly missing: string;
}

const WORDS: Readonly<Record<string, string>> = {
  r: 'reuse',
  f: 'force',
  a: 'abort',
  i: 'ignore',
};

function allowed(letters: string): string {
  return [...letters].map((l) => `${l} (${WORDS[l] ?? l})`).join(', ');
}

/**
 * Reads the policy `param` of a target (its scoped params), `fallback` when unset, and checks
 * each letter against what `kind` accepts at that position. Anything else is
 * `STATE_BAD_POLICY` naming the object, the parameter and the value.
 */
export function parsePolicy(
  target: StateTarget,
  kind: PolicyKind,
  param: string,
  fallback: string,
): Policy {
  const value = target.params.get(param) ?? fallback;
  const rules = POLICY_RULES[kind];
  const bad = (problem: string): never => {
    throw new StateError('STATE_BAD_POLICY', `${param} = "${value}" for ${target.id}: ${problem}`, {
      hint: `the first letter (state exists) is one of ${allowed(rules.exists)}; the second (state missing) one of ${allowed(rules.missing)}`,
    });
  };
  if ([...value].length !== 2) bad('a policy is two letters');
  const [exists = '', missing = ''] = [...value];
  if (!rules.exists.includes(exists)) {
    bad(`"${exists}" is not a valid first letter (when the state exists)`);
  }
  if (!rules.missing.includes(missing)) {
    bad(`"${missing}" is not a valid second letter (when the state is missing)`);
  }
  return { param, value, exists, missing };
}

/**
 * Whether a snapshot tag or pool file name is a state cartograph could have made (a valid,
 * non-root state name). Anything else found in an image or a pool is not listed as a state.
 */
export function isStateName(name: string): boolean {
  if (ROOT_STATE_NAMES.has(name)) return false;
  try {
    checkStateName(name);
    return true;
  } catch {
    return false;
  }
}

/** Whether `state` is a root state (`root`, `0root`, `boot`, `0boot`), made by backends. */
export function isRootState(state: string): boolean {
  return ROOT_STATE_NAMES.has(state);
}

/**
 * Throws `STATE_BAD_NAME` for a state name that cannot be a file or snapshot name (the rules
 * of `checkStateName`: `[A-Za-z0-9_.-]`, not purely numeric, no `..`). `what` names the
 * parameter it came from.
 */
export function assertStateName(name: string, what: string): void {
  try {
    checkStateName(name, what);
  } catch (error) {
    if (!(error instanceof CartographError)) throw error;
    throw new StateError('STATE_BAD_NAME', error.message, { cause: error });
  }
}

/**
 * The root state of a target: `root` (the image exists) for images, `boot` (the vm runs) for
 * vms. `state`, when given, is a root name asked for by params: `root`/`0root` belong to
 * images and `boot`/`0boot` to vms, and asking one kind for the other's is `STATE_BAD_NAME`.
 */
export function rootStateOf(target: StateTarget, state?: string): 'root' | 'boot' {
  const root = target.kind === 'images' ? 'root' : 'boot';
  if (state !== undefined && state !== root && state !== `0${root}`) {
    throw new StateError(
      'STATE_BAD_NAME',
      `${target.id}: "${state}" is the root of ${target.kind === 'images' ? 'vms' : 'images'}; the root of ${target.kind} is "${root}"`,
    );
  }
  return root;
}

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
