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
