/**
 * The objects of the configs as state targets, for commands that look at every state kept
 * (verify, gc): every vm variant with its images under the objects' own params, and again
 * with each node's params over them (a node may keep its states elsewhere, e.g.
 * `states_images = qcow2ext` in the nodes config).
 */
import type { BoundNode, NodeGraph } from '../graph/build-graph.js';
import { imageStateParams, vmStateParams } from '../graph/scoped-params.js';
import { nodeTargets } from '../scheduler/node-targets.js';
import type { StateTarget } from '../states/index.js';
import type { LoadedGraph } from './load-graph.js';

export function graphStateTargets(loaded: LoadedGraph, graph: NodeGraph): StateTarget[] {
  const targets: StateTarget[] = [];
  for (const variants of loaded.objects.vms.values()) {
    for (const vm of variants) {
      targets.push({
        kind: 'vms',
        id: vm.id,
        name: vm.name,
        vmId: vm.id,
        vmName: vm.name,
        params: vmStateParams(vm.params, vm.name),
        images: vm.images.map((image) => ({
          kind: 'images' as const,
          id: image.id,
          name: image.name,
          vmId: vm.id,
          vmName: vm.name,
          params: imageStateParams(vm.params, vm.name, image.name),
        })),
      });
    }
  }
  for (const id of graph.order) {
    for (const { target } of nodeTargets(graph.nodes.get(id) as BoundNode)) targets.push(target);
  }
  return targets;
}
