/**
 * A bound node's objects as state targets: each vm variant with its images, the node's params
 * over the objects' and scoped the avocado-i2n way (`get_state_images_vm1` → `get_state`).
 */
import {
  type BoundNode,
  imageStateParams,
  mergeParams,
  type VmObject,
  vmStateParams,
} from '../graph/index.js';
import type { Params } from '../params/index.js';
import type { ImageTarget, VmTarget } from '../states/index.js';

export interface NodeTarget {
  readonly vm: VmObject;
  readonly target: VmTarget;
}

export function nodeTargets(node: BoundNode): NodeTarget[] {
  return node.vms.map((vm) => {
    return { vm, target: vmTargetOf(vm, mergeParams(vm.params, node.variant.params)) };
  });
}

/**
 * The state target of a vm object and its images, with `params` (the vm's, or the vm's merged
 * with a node's) scoped to the vm and to each image.
 */
export function vmTargetOf(vm: VmObject, params: Params): VmTarget {
  const images = vm.images.map((image): ImageTarget => ({
    kind: 'images',
    id: image.id,
    name: image.name,
    vmId: vm.id,
    vmName: vm.name,
    params: imageStateParams(params, vm.name, image.name),
  }));
  return {
    kind: 'vms',
    id: vm.id,
    name: vm.name,
    vmId: vm.id,
    vmName: vm.name,
    params: vmStateParams(params, vm.name),
    images,
  };
}
