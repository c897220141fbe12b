import { describe, expect, it } from 'vitest';
import { type GcOptions, planGc, type StoredState } from '../../../../src/states/index.js';

/** A qcow2ext state `name` of vm1/image1 in /pool, built on `on`, last used on day `day`. */
function state(name: string, on: string | undefined, day: number, bytes = 100): StoredState {
  const at = new Date(Date.UTC(2030, 0, day)).toISOString();
  return {
    kind: 'images',
    targets: ['vm1/image1'],
    state: name,
    backend: 'qcow2ext',
    file: `/pool/${name}.qcow2`,
    exists: true,
    trust: 'unverified',
    bytes,
    createdAt: at,
    lastUsedAt: at,
    ...(on === undefined ? {} : { backing: `/pool/${on}.qcow2` }),
  };
}

const producedBy =
  (...names: string[]): GcOptions['produced'] =>
  (s) =>
    names.includes(s.state) ? `set by ${s.state}-node` : undefined;

function decide(stored: StoredState[], options: GcOptions, active: string[] = []) {
  const plan = planGc(
    stored,
    new Map(active.map((a) => [`/pool/${a}.qcow2`, 'vm1/image1'])),
    options,
  );
  const reasons = (m: ReadonlyMap<StoredState, string>) =>
    Object.fromEntries([...m].map(([s, r]) => [s.state, r]));
  return { remove: reasons(plan.remove), keep: reasons(plan.keep), overBudget: plan.overBudget };
}

describe('gc decisions', () => {
  // a ← b ← c, a ← d; the config produces c only.
  const pool = [
    state('a', undefined, 1),
    state('b', 'a', 2),
    state('c', 'b', 3),
    state('d', 'a', 4),
  ];

  it('never removes a state a kept state is built on, however far down', () => {
    const { remove, keep } = decide(pool, { produced: producedBy('c') });
    expect(Object.keys(remove)).toEqual(['d']);
    expect(keep).toEqual({
      a: 'kept state "c" is built on it',
      b: 'kept state "c" is built on it',
      c: 'set by c-node',
    });
  });

  it('keeps the chain of the active image', () => {
    const { remove, keep } = decide(pool, { produced: producedBy() }, ['d', 'a']);
    expect(Object.keys(remove).sort()).toEqual(['b', 'c']);
    expect(keep.d).toBe('the active image of vm1/image1 is built on it');
  });

  it('keeps the N most recently used of each object, and what they need', () => {
    const { remove, keep } = decide(pool, { produced: producedBy(), keepLast: 1 });
    expect(Object.keys(remove).sort()).toEqual(['b', 'c']);
    expect(keep.d).toContain('--keep-last');
    expect(keep.a).toBe('kept state "d" is built on it');
  });

  it('removes least recently used leaves until the budget holds', () => {
    const all = producedBy('a', 'b', 'c', 'd');
    // 400 bytes kept; the leaves are c (day 3) and d (day 4): c goes first, then b is a leaf.
    expect(Object.keys(decide(pool, { produced: all, maxBytes: 250 }).remove)).toEqual(['b', 'c']);
    expect(Object.keys(decide(pool, { produced: all, maxBytes: 399 }).remove)).toEqual(['c']);
    expect(decide(pool, { produced: all, maxBytes: 400 }).remove).toEqual({});
    // A state kept only for a child that the budget took is removed with it.
    const { remove } = decide(pool, { produced: producedBy('c', 'd'), maxBytes: 250 });
    expect(Object.keys(remove).sort()).toEqual(['b', 'c']);
  });

  it('says when the budget cannot be met without removing what must stay', () => {
    const { remove, overBudget } = decide(pool, { produced: producedBy(), maxBytes: 10 }, ['c']);
    expect(Object.keys(remove)).toEqual(['d']);
    expect(overBudget).toContain('300 bytes');
  });

  it('removes what interrupted writes left unless the writer lives, and orphan manifests', () => {
    const marker = (alive: boolean) => ({
      pid: 1,
      host: 'h',
      owner: '',
      startedAt: '',
      token: 't',
      op: 'set' as const,
      state: 'x',
      object: 'vm1/image1',
      backend: 'qcow2ext' as const,
      writerAlive: alive,
    });
    const stored: StoredState[] = [
      { ...state('dead', undefined, 1), trust: 'incomplete', marker: marker(false) },
      { ...state('live', undefined, 1), trust: 'incomplete', marker: marker(true) },
      { ...state('gone', undefined, 1), exists: false, trust: 'missing' },
    ];
    const { remove, keep } = decide(stored, { produced: producedBy('dead', 'gone'), keepLast: 5 });
    expect(remove).toEqual({
      dead: 'left incomplete by an interrupted write',
      gone: 'a manifest whose state is gone',
    });
    expect(keep.live).toContain('being written by pid 1');
  });
});
