/**
 * Asks the state backends about the states a graph's nodes get and set, all at once: whether
 * each exists and how far it can be trusted (read-only; the backends bound the number of QEMU
 * programs at a time).
 */
import { type BoundNode, type NodeGraph, stateRefKey } from '../graph/index.js';
import {
  inspectStates,
  type StateContext,
  type StateInspection,
  type StateQuery,
} from '../states/index.js';
import { nodeTargets } from './node-targets.js';

/** What the backends found, by `stateRefKey`. */
export async function inspectGraph(
  graph: NodeGraph,
  ctx: StateContext,
): Promise<Map<string, StateInspection>> {
  const queries: StateQuery[] = [];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const id of graph.order) {
    const node = graph.nodes.get(id) as BoundNode;
    const targets = nodeTargets(node);
    for (const request of [...node.gets, ...node.sets]) {
      const key = stateRefKey(request);
      if (seen.has(key)) continue;
      seen.add(key);
      const vm = targets.find((t) => t.vm.id === request.vm.id)?.target;
      const target =
        request.type === 'vms' ? vm : vm?.images.find((i) => i.id === request.objectId);
      if (target === undefined) continue;
      queries.push({ target, state: request.state });
      keys.push(key);
    }
  }
  const found = await inspectStates(queries, ctx);
  return new Map(keys.map((k, i) => [k, found[i] as StateInspection]));
}
