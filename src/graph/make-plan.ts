/**
 * Decides, without changing anything, which nodes run and which states are reused (design.md:
 * "A setup node runs only when a state it sets is missing or stale and something selected
 * needs it"). Pure: which states exist comes from the caller, the plan is plain data.
 */
import type { BoundNode, NodeGraph } from './build-graph.js';
import { stateRefKey, type StateRef } from './state-ref.js';

export type StateStatus = 'present' | 'missing';

export interface PlannedState extends StateRef {
  /** Whether the state is there now. */
  readonly status: StateStatus;
  /** The node that makes it (for the states a node gets). */
  readonly producer?: string;
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
}

/** Returns the status of a state (the caller asked the backends beforehand). */
export type StateProbe = (ref: StateRef) => StateStatus;

export function makePlan(graph: NodeGraph, probe: StateProbe): Plan {
  const decided = new Map<string, { action: 'run' | 'reuse'; reason: string }>();
  const status = (ref: StateRef): StateStatus => probe(ref);

  const visit = (id: string, why: string): void => {
    if (decided.has(id)) return;
    const node = graph.nodes.get(id) as BoundNode;
    if (node.sets.length > 0) {
      const missing = node.sets.filter((s) => status(s) === 'missing');
      if (missing.length === 0) {
        decided.set(id, { action: 'reuse', reason: `its states exist (${list(node.sets)})` });
        return;
      }
      decided.set(id, { action: 'run', reason: `${list(missing)} missing; ${why}` });
    } else {
      decided.set(id, { action: 'run', reason: why });
    }
    for (const get of node.gets) {
      const producer = node.producers.get(stateRefKey(get));
      if (producer === undefined) continue;
      if (status(get) === 'present') {
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
      gets: node.gets.map((g) => {
        const producer = node.producers.get(stateRefKey(g));
        return { ...plain(g), status: status(g), ...(producer === undefined ? {} : { producer }) };
      }),
      sets: node.sets.map((s) => ({ ...plain(s), status: status(s) })),
    });
  }
  return { steps };
}

function plain(ref: StateRef): StateRef {
  return { type: ref.type, objectId: ref.objectId, state: ref.state };
}

function describe(ref: StateRef): string {
  return `${ref.state} of ${ref.objectId}`;
}

function list(refs: readonly StateRef[]): string {
  return refs.map(describe).join(', ');
}
