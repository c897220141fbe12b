import { StateError } from '../errors.js';
import { POLICY_RULES } from './policy-rules.js';
import type { PolicyKind } from './policy-rules.js';
import type { StateTarget } from './state-target.js';

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
