import type { StoredState } from '../pool/index.js';
import type { GcOptions } from './gc.js';

/** What `planGc` decided about each state. */
export interface GcPlan {
  readonly remove: ReadonlyMap<StoredState, string>;
  readonly keep: ReadonlyMap<StoredState, string>;
  /** The size budget could not be met: why. */
  readonly overBudget?: string;
}

interface Decision {
  keep: boolean;
  reason: string;
  /** Kept whatever the size budget says. */
  pinned: boolean;
}

/**
 * Decides which stored states `gc` removes (pure; `gcStates` applies it):
 * - states an interrupted write left go (unless their writer still lives), and so do
 *   manifests whose state is gone;
 * - a state the active image of an object is built on stays;
 * - a state no node of the current config produces goes (`options.produced`);
 * - the `keepLast` most recently used states of each object stay, whatever else is said;
 * - a state that a kept state is built on (qcow2ext backing chains) always stays;
 * - then, while the kept states take more than `maxBytes`, the least recently used one that
 *   nothing kept is built on and nothing else protects goes.
 * `activeChains` maps the pool files active images are built on to the image's object id.
 */
export function planGc(
  stored: readonly StoredState[],
  activeChains: ReadonlyMap<string, string>,
  options: GcOptions,
): GcPlan {
  const decisions = new Map<StoredState, Decision>();
  const files = new Map<string, StoredState>();
  for (const s of stored) if (s.backend === 'qcow2ext' && s.exists) files.set(s.file, s);
  const parentOf = (s: StoredState): StoredState | undefined =>
    s.backing === undefined ? undefined : files.get(s.backing);

  for (const s of stored) {
    if (s.trust === 'incomplete') {
      decisions.set(
        s,
        s.marker?.writerAlive === true
          ? {
              keep: true,
              pinned: true,
              reason: `being written by pid ${s.marker.pid} (since ${s.marker.startedAt})`,
            }
          : { keep: false, pinned: false, reason: 'left incomplete by an interrupted write' },
      );
    } else if (!s.exists) {
      decisions.set(s, { keep: false, pinned: false, reason: 'a manifest whose state is gone' });
    } else if (activeChains.has(s.file)) {
      decisions.set(s, {
        keep: true,
        pinned: true,
        reason: `the active image of ${activeChains.get(s.file) ?? ''} is built on it`,
      });
    } else {
      const by = options.produced(s);
      decisions.set(
        s,
        by === undefined
          ? { keep: false, pinned: false, reason: 'no node of the current config sets it' }
          : { keep: true, pinned: false, reason: by },
      );
    }
  }

  const keepLast = options.keepLast ?? 0;
  if (keepLast > 0) {
    const groups = new Map<string, StoredState[]>();
    for (const s of stored) {
      if (!s.exists || s.trust === 'incomplete') continue;
      const key = `${s.kind}:${s.targets.join(',')}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const group of groups.values()) {
      const recent = [...group].sort((a, b) => (a.lastUsedAt > b.lastUsedAt ? -1 : 1));
      for (const s of recent.slice(0, keepLast)) {
        const d = decisions.get(s) as Decision;
        if (!d.keep) {
          d.keep = true;
          d.reason = `one of the ${keepLast} most recently used states of ${s.targets.join(', ')} (--keep-last)`;
        }
        d.pinned = true;
      }
    }
  }

  // What a kept state is built on stays, and is pinned as long as a pinned state needs it.
  // Worked out anew whenever the budget takes a state, so that a state kept only for a child
  // that went falls back to its own decision.
  const budgetVictims = new Map<StoredState, string>();
  const resolve = (): Map<StoredState, Decision> => {
    const current = new Map<StoredState, Decision>();
    for (const [s, d] of decisions) {
      const reason = budgetVictims.get(s);
      current.set(s, reason === undefined ? { ...d } : { keep: false, pinned: false, reason });
    }
    for (const s of stored) {
      const d = current.get(s) as Decision;
      if (!d.keep) continue;
      for (let a = parentOf(s), n = 0; a !== undefined && n < files.size; a = parentOf(a), n++) {
        const ad = current.get(a) as Decision;
        if (!ad.keep) {
          ad.keep = true;
          ad.reason = `kept state "${s.state}" is built on it`;
        }
        if (d.pinned) ad.pinned = true;
      }
    }
    return current;
  };
  let final = resolve();

  let overBudget: string | undefined;
  const max = options.maxBytes;
  if (max !== undefined) {
    for (;;) {
      const live = stored.filter((s) => s.exists && final.get(s)?.keep);
      const total = live.reduce((sum, s) => sum + s.bytes, 0);
      if (total <= max) break;
      const parents = new Set(live.map(parentOf).filter((p) => p !== undefined));
      const victim = live
        .filter((s) => !(final.get(s) as Decision).pinned && !parents.has(s))
        .sort((a, b) => (a.lastUsedAt < b.lastUsedAt ? -1 : 1))[0];
      if (victim === undefined) {
        overBudget =
          `the states that must stay take ${total} bytes, more than the budget of ${max} ` +
          '(in use by active images, kept by --keep-last, or built on by those)';
        break;
      }
      budgetVictims.set(
        victim,
        `least recently used (${victim.lastUsedAt}) beyond the size budget`,
      );
      final = resolve();
    }
  }

  const remove = new Map<StoredState, string>();
  const keep = new Map<StoredState, string>();
  for (const s of stored) {
    const d = final.get(s) as Decision;
    (d.keep ? keep : remove).set(s, d.reason);
  }
  return { remove, keep, ...(overBudget === undefined ? {} : { overBudget }) };
}
