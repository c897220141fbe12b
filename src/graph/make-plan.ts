/**
 * Decides, without changing anything, which nodes run and which states are reused (design.md:
 * "A setup node runs only when a state it sets is missing or stale and something selected
 * needs it"). Pure: what the states look like comes from the caller, the plan is plain data.
 */
import type { BoundNode, NodeGraph } from './build-graph.js';
import { type KeyChange, type StateRef, stateRefKey } from './state-keys.js';

/**
 * - `present`: there, with a manifest whose key is the expected one;
 * - `unverified`: there without a manifest (made by hand or by another tool): reused, flagged;
 * - `stale`: there, but made from other parameters or other states than it would be now;
 * - `missing`: not there (or left incomplete by an interrupted run).
 */
export type StateStatus = 'present' | 'unverified' | 'stale' | 'missing';

/** What the caller found out about one state. */
export interface StateFinding {
  readonly status: StateStatus;
  /** For stale states: what differs between how it was made and how it would be made now. */
  readonly changes?: readonly KeyChange[];
  /** Keep using a stale state (`reuse_stale = yes`), with a warning. */
  readonly reuseStale?: boolean;
}

export interface PlannedState extends StateRef {
  readonly status: StateStatus;
  /** The node that makes it (for the states a node gets). */
  readonly producer?: string;
  readonly changes?: readonly KeyChange[];
}

export interface PlanStep {
  readonly node: string;
  /** `run`: the node is executed; `reuse`: a setup node whose states are all there. */
  readonly action: 'run' | 'reuse';
  /** `setup` nodes set states; `test` nodes set none. */
  readonly kind: 'setup' | 'test';
  readonly selected: boolean;
  readonly reason: string;
  readonly gets: readonly PlannedState[];
  readonly sets: readonly PlannedState[];
}

export interface Plan {
  /** Steps in dependency order (producers first). */
  readonly steps: readonly PlanStep[];
  /** Stale states kept because of `reuse_stale`, and states reused without a manifest. */
  readonly warnings: readonly string[];
}

/** Returns what is known of a state (the caller asked the backends beforehand). */
export type StateProbe = (ref: StateRef) => StateStatus | StateFinding;

export function makePlan(graph: NodeGraph, probe: StateProbe): Plan {
  const decided = new Map<string, { action: 'run' | 'reuse'; reason: string }>();
  const findings = new Map<string, StateFinding>();
  const warnings = new Set<string>();
  const find = (ref: StateRef): StateFinding => {
    const key = stateRefKey(ref);
    let f = findings.get(key);
    if (f === undefined) {
      const p = probe(ref);
      f = typeof p === 'string' ? { status: p } : p;
      findings.set(key, f);
    }
    return f;
  };
  /** Whether a state can be used as it is (warning about it when that needs saying). */
  const usable = (ref: StateRef): boolean => {
    const f = find(ref);
    switch (f.status) {
      case 'present':
        return true;
      case 'unverified':
        warnings.add(
          `${describe(ref)} has no manifest (made by hand or by another tool): reused unverified`,
        );
        return true;
      case 'stale':
        if (f.reuseStale === true) {
          warnings.add(`${describe(ref)} is stale (${changeSummary(f)}) but reuse_stale keeps it`);
          return true;
        }
        return false;
      case 'missing':
        return false;
    }
  };

  const visit = (id: string, why: string): void => {
    if (decided.has(id)) return;
    const node = graph.nodes.get(id) as BoundNode;
    if (node.sets.length > 0) {
      const redo = node.sets.filter((s) => !usable(s));
      if (redo.length === 0) {
        decided.set(id, { action: 'reuse', reason: `its states exist (${list(node.sets)})` });
        return;
      }
      const what = redo.map(
        (s) => `${describe(s)} ${find(s).status === 'stale' ? 'stale' : 'missing'}`,
      );
      decided.set(id, { action: 'run', reason: `${what.join(', ')}; ${why}` });
    } else {
      decided.set(id, { action: 'run', reason: why });
    }
    for (const get of node.gets) {
      const producer = node.producers.get(stateRefKey(get));
      if (producer === undefined) continue;
      if (usable(get)) {
        if (!decided.has(producer)) {
          decided.set(producer, { action: 'reuse', reason: `${describe(get)} exists` });
        }
      } else {
        visit(producer, `${id} needs ${describe(get)}`);
      }
    }
  };

  for (const id of graph.order) {
    const node = graph.nodes.get(id) as BoundNode;
    if (node.selected) visit(id, node.sets.length > 0 ? 'selected' : 'selected test');
  }

  const planned = (ref: StateRef, producer?: string): PlannedState => {
    const f = find(ref);
    return {
      type: ref.type,
      objectId: ref.objectId,
      state: ref.state,
      status: f.status,
      ...(producer === undefined ? {} : { producer }),
      ...(f.changes === undefined ? {} : { changes: f.changes }),
    };
  };
  const steps: PlanStep[] = [];
  for (const id of graph.order) {
    const d = decided.get(id);
    if (d === undefined) continue;
    const node = graph.nodes.get(id) as BoundNode;
    steps.push({
      node: id,
      action: d.action,
      kind: node.sets.length > 0 ? 'setup' : 'test',
      selected: node.selected,
      reason: d.reason,
      gets: node.gets.map((g) => planned(g, node.producers.get(stateRefKey(g)))),
      sets: node.sets.map((s) => planned(s)),
    });
  }
  return { steps, warnings: [...warnings] };
}

function describe(ref: StateRef): string {
  return `${ref.state} of ${ref.objectId}`;
}

function list(refs: readonly StateRef[]): string {
  return refs.map(describe).join(', ');
}

function changeSummary(f: StateFinding): string {
  const names = [...new Set((f.changes ?? []).map((c) => c.param))];
  return names.length === 0 ? 'made differently' : `changed: ${names.join(', ')}`;
}
