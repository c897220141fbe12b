/**
 * A bound node's objects as state targets: each vm variant with its images, the node's params
 * over the objects' and scoped the avocado-i2n way (`get_state_images_vm1` → `get_state`).
 */
import type { BoundNode } from '../graph/build-graph.js';
import { mergeParams } from '../graph/scoped-params.js';
import type { VmObject } from '../graph/test-object.js';
import type { VmTarget } from '../states/index.js';
import { vmTargetOf } from './vm-target-of.js';

export interface NodeTarget {
  readonly vm: VmObject;
  readonly target: VmTarget;
}

export function nodeTargets(node: BoundNode): NodeTarget[] {
  return node.vms.map((vm) => {
    return { vm, target: vmTargetOf(vm, mergeParams(vm.params, node.variant.params)) };
  });
}
