/**
 * A bound node's objects as state targets: each vm variant with its images, the node's params
 * over the objects' and scoped the avocado-i2n way (`get_state_images_vm1` → `get_state`).
 */
import type { BoundNode } from '../graph/build-graph.js';
import { imageStateParams, mergeParams, vmStateParams } from '../graph/scoped-params.js';
import type { VmObject } from '../graph/test-object.js';
import type { ImageTarget, VmTarget } from '../states/index.js';

export interface NodeTarget {
  readonly vm: VmObject;
  readonly target: VmTarget;
}

export function nodeTargets(node: BoundNode): NodeTarget[] {
  return node.vms.map((vm) => {
    const merged = mergeParams(vm.params, node.variant.params);
    const images = vm.images.map((image): ImageTarget => ({
      kind: 'images',
      id: image.id,
      name: image.name,
      vmId: vm.id,
      vmName: vm.name,
      params: imageStateParams(merged, vm.name, image.name),
    }));
    const target: VmTarget = {
      kind: 'vms',
      id: vm.id,
      name: vm.name,
      vmId: vm.id,
      vmName: vm.name,
      params: vmStateParams(merged, vm.name),
      images,
    };
    return { vm, target };
  });
}
