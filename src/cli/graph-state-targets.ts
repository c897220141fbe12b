/**
 * The objects of the configs as state targets, for commands that look at every state kept
 * (verify, gc): every vm variant with its images under the objects' own params, and again
 * with each node's params over them (a node may keep its states elsewhere, e.g.
 * `states_images = qcow2ext` in the nodes config).
 */
import type { BoundNode, NodeGraph } from '../graph/build-graph.js';
import { nodeTargets } from '../scheduler/node-targets.js';
import { vmTargetOf } from '../scheduler/vm-target-of.js';
import type { StateTarget } from '../states/index.js';
import type { LoadedGraph } from './load-graph.js';

export function graphStateTargets(loaded: LoadedGraph, graph: NodeGraph): StateTarget[] {
  const targets: StateTarget[] = [];
  for (const variants of loaded.objects.vms.values()) {
    for (const vm of variants) targets.push(vmTargetOf(vm, vm.params));
  }
  for (const id of graph.order) {
    for (const { target } of nodeTargets(graph.nodes.get(id) as BoundNode)) targets.push(target);
  }
  return targets;
}
