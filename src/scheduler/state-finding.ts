/**
 * What the plan needs to know of a state (make-plan's StateFinding), from what the backends
 * found and the key the state would get now: present when its manifest has that key, stale
 * (with what changed) when it has another, unverified when it has none, missing when it is
 * absent or was left incomplete by an interrupted run. Root states (`root`, `boot`) are made
 * by the backends, carry no manifest and are present when they exist.
 */
import {
  keyChanges,
  type KeyInputs,
  ROOT_STATES,
  type StateFinding,
  type StateKey,
  type StateRequest,
} from '../graph/index.js';
import type { StateInspection } from '../states/index.js';

export function stateFinding(
  ref: StateRequest,
  found: StateInspection | undefined,
  expected: StateKey | undefined,
): StateFinding {
  if (found === undefined) return { status: 'missing' };
  switch (found.trust) {
    case 'missing':
    case 'incomplete':
      return { status: 'missing' };
    case 'unverified':
      return { status: ROOT_STATES.has(ref.state) ? 'present' : 'unverified' };
    case 'manifest': {
      const manifest = found.manifest;
      if (expected === undefined || manifest?.key === expected.key) return { status: 'present' };
      const before = manifest?.inputs;
      return {
        status: 'stale',
        ...(isKeyInputs(before) ? { changes: keyChanges(before, expected.inputs) } : {}),
        reuseStale: ref.params.getBoolean('reuse_stale'),
      };
    }
  }
}

/** Inputs recorded by this version of the key recipe (older manifests say less). */
function isKeyInputs(x: unknown): x is KeyInputs {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<Record<keyof KeyInputs, unknown>>;
  return (
    typeof o.version === 'number' &&
    typeof o.command === 'string' &&
    typeof o.params === 'object' &&
    o.params !== null &&
    typeof o.parents === 'object' &&
    o.parents !== null
  );
}
